#include <catch2/catch.hpp>

#include "federation/sso/card_login.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::FakeIdentitySource;
using testing::kTestUid;

PeerCertificate valid_card(std::string cn = kTestUid) {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=" + cn + ",OU=people,O=nhs";
  card.common_names = {cn};
  return card;
}

}  // namespace

TEST_CASE("card login finds the card holder", "[federation][sso]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  Result<Person, LoginFailure> person = identify_card_holder(valid_card(), source);

  REQUIRE(person.ok());
  CHECK(person->uid == kTestUid);
  CHECK(person->roles.size() == 2);
  CHECK(source.calls == 1);
}

TEST_CASE("card login without certificate is refused", "[federation][sso]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  Result<Person, LoginFailure> person = identify_card_holder(PeerCertificate{}, source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kNoCertificate);
  CHECK_THAT(person.error().reason, Catch::Contains("No smartcard certificate"));
  CHECK(source.calls == 0);
}

TEST_CASE("card login with unverified chain is refused", "[federation][sso]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());
  PeerCertificate card = valid_card();
  card.verified = false;
  card.verify_error = "unable to get local issuer certificate";

  Result<Person, LoginFailure> person = identify_card_holder(card, source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kCertificateInvalid);
  CHECK_THAT(person.error().reason, Catch::Contains("unable to get local issuer certificate"));
  CHECK_THAT(person.error().reason, Catch::Contains("CN=555000000001"));
  CHECK(source.calls == 0);
}

TEST_CASE("card login with bad subject CN is refused", "[federation][sso]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  for (std::string cn : {"alice", "55500000000", "5550000000011", "55500000000x", ""}) {
    INFO("CN=" << cn);
    Result<Person, LoginFailure> person = identify_card_holder(valid_card(cn), source);
    REQUIRE_FALSE(person.ok());
    CHECK(person.error().outcome == LoginOutcome::kSubjectInvalid);
  }

  PeerCertificate two_names = valid_card();
  two_names.common_names.push_back("555000000002");
  Result<Person, LoginFailure> person = identify_card_holder(two_names, source);
  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kSubjectInvalid);

  PeerCertificate no_name = valid_card();
  no_name.common_names.clear();
  person = identify_card_holder(no_name, source);
  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kSubjectInvalid);
  CHECK(source.calls == 0);
}

TEST_CASE("card login for unknown person is refused", "[federation][sso]") {
  FakeIdentitySource source;

  Result<Person, LoginFailure> person = identify_card_holder(valid_card(), source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kUnknownPerson);
  CHECK_THAT(person.error().reason, Catch::Contains(kTestUid));
}

TEST_CASE("card login store error is reported", "[federation][sso]") {
  FakeIdentitySource source;
  source.fail = true;

  Result<Person, LoginFailure> person = identify_card_holder(valid_card(), source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kStoreError);
  CHECK_THAT(person.error().log_detail, Catch::Contains("store closed"));
  // The store's error text is for the log only, not for the page.
  CHECK_THAT(person.error().reason, !Catch::Contains("store closed"));
}

TEST_CASE("nhs uid accepts twelve digits only", "[federation][sso]") {
  CHECK(is_nhs_uid("555000000001"));
  CHECK(is_nhs_uid("000000000000"));
  CHECK_FALSE(is_nhs_uid("55500000000"));
  CHECK_FALSE(is_nhs_uid("5550000000012"));
  CHECK_FALSE(is_nhs_uid("55500000000a"));
  CHECK_FALSE(is_nhs_uid("55500000000\xd9\xa1"));
  CHECK_FALSE(is_nhs_uid(""));
}

}  // namespace careid::federation::sso
