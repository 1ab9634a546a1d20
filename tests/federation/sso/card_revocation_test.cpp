#include <catch2/catch.hpp>

#include "federation/sso/card_login.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::FakeIdentitySource;
using testing::kTestUid;

PeerCertificate card_with(pki::CardState state, pki::RevocationReason reason) {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=" + std::string(kTestUid) + ",OU=people,O=nhs";
  card.common_names = {kTestUid};
  card.serial_hex = "1a2b";
  card.revocation = pki::CardStatus{state, reason, std::chrono::system_clock::now()};
  return card;
}

}  // namespace

TEST_CASE("card login with revoked card is refused", "[federation][sso][revocation]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  auto person = identify_card_holder(
      card_with(pki::CardState::kRevoked, pki::RevocationReason::kKeyCompromise), source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kCardRevoked);
  CHECK(person.error().reason.find("1a2b") != std::string::npos);
  CHECK(person.error().reason.find("revoked") != std::string::npos);
  CHECK(person.error().log_detail.find("keyCompromise") != std::string::npos);
  CHECK(source.calls == 0);
}

TEST_CASE("card login with suspended card is refused", "[federation][sso][revocation]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  auto person = identify_card_holder(
      card_with(pki::CardState::kOnHold, pki::RevocationReason::kCertificateHold), source);

  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kCardSuspended);
  CHECK(person.error().reason.find("suspended") != std::string::npos);
  CHECK(login_outcome_name(LoginOutcome::kCardSuspended) == "card_suspended");
}

TEST_CASE("card login with good card passes revocation", "[federation][sso][revocation]") {
  FakeIdentitySource source;
  source.people.emplace(kTestUid, testing::make_test_person());

  auto person = identify_card_holder(
      card_with(pki::CardState::kGood, pki::RevocationReason::kUnspecified), source);

  REQUIRE(person.ok());
  CHECK(person->uid == kTestUid);
}

}  // namespace careid::federation::sso
