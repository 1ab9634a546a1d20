#include <catch2/catch.hpp>

#include "federation/sso/sso_service.h"
#include "federation/sso/subject.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kGoodQuery;
using testing::kTestUid;

PeerCertificate valid_card() {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=555000000001,OU=people,O=nhs";
  card.common_names = {kTestUid};
  return card;
}

const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'800'000'000)};

struct Fixture {
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  SsoService service{source, idp, PersistentIdGenerator(std::string(32, 'k')), [] { return kNow; }};

  Fixture() { source.people.emplace(kTestUid, testing::make_test_person()); }
};

}  // namespace

TEST_CASE("subject carries the attribute profile", "[federation][sso]") {
  Person person = testing::make_test_person();

  saml::Subject subject = build_subject(person, "pseudonym", kNow, &person.roles[1]);

  CHECK(subject.name_id == "pseudonym");
  CHECK(subject.name_id_format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
  CHECK(subject.authn_context_class == "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI");
  CHECK(subject.authn_instant == kNow);
  CHECK(subject.attributes.at("uid") == std::vector<std::string>{kTestUid});
  CHECK(subject.attributes.at("cn") == std::vector<std::string>{"Ada Lovelace"});
  CHECK(subject.attributes.at("mail") == std::vector<std::string>{"ada.lovelace@nhs.example"});
  // Only the chosen role, single-valued.
  CHECK(subject.attributes.at("nhsRoleProfileId") == std::vector<std::string>{"100000000002"});
  CHECK(subject.attributes.at("nhsOrgCode") == std::vector<std::string>{"Y12345"});
  CHECK(subject.attributes.at("nhsJobRoleCode") ==
        std::vector<std::string>{"S0080:G0450:R5080"});
  CHECK(subject.attributes.at("nhsJobRoleName") ==
        std::vector<std::string>{"Admin Access Role"});
}

TEST_CASE("subject omits empty mail and roles", "[federation][sso]") {
  Person person = testing::make_test_person();
  person.mail.clear();
  person.roles.clear();

  saml::Subject subject = build_subject(person, "pseudonym", kNow, nullptr);

  CHECK(subject.attributes.size() == 2);
  CHECK(subject.attributes.count("uid") == 1);
  CHECK(subject.attributes.count("cn") == 1);
}

TEST_CASE("sso service returns post form", "[federation][sso]") {
  Fixture fixture;
  // One role profile: chosen automatically, no role page.
  fixture.source.people.at(kTestUid).roles.resize(1);

  SsoReply reply = fixture.service.handle_redirect(valid_card(), kGoodQuery, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK_THAT(reply.body, Catch::Contains("uid=555000000001"));
  Result<std::string> expected_id =
      PersistentIdGenerator(std::string(32, 'k')).name_id(testing::kTestSp, kTestUid);
  REQUIRE(expected_id.ok());
  CHECK_THAT(reply.body, Catch::Contains("nameid=" + *expected_id));
  CHECK_THAT(reply.body, Catch::Contains("roles=100000000001,;"));
  CHECK_THAT(reply.set_cookie, Catch::StartsWith("__Host-careid_session="));
}

TEST_CASE("sso service denies missing card", "[federation][sso]") {
  Fixture fixture;

  SsoReply reply = fixture.service.handle_redirect(PeerCertificate{}, kGoodQuery, "test");

  CHECK(reply.kind == SsoReply::Kind::kDenied);
  CHECK_THAT(reply.body, Catch::Contains("No smartcard certificate"));
}

TEST_CASE("sso service denies unknown person", "[federation][sso]") {
  Fixture fixture;
  fixture.source.people.clear();

  SsoReply reply = fixture.service.handle_redirect(valid_card(), kGoodQuery, "test");

  CHECK(reply.kind == SsoReply::Kind::kDenied);
  CHECK_THAT(reply.body, Catch::Contains("not registered"));
}

TEST_CASE("sso service reports store error", "[federation][sso]") {
  Fixture fixture;
  fixture.source.fail = true;

  SsoReply reply = fixture.service.handle_redirect(valid_card(), kGoodQuery, "test");

  CHECK(reply.kind == SsoReply::Kind::kUnavailable);
}

TEST_CASE("sso service rejects bad request", "[federation][sso]") {
  Fixture fixture;

  SsoReply reply = fixture.service.handle_redirect(valid_card(), "SAMLRequest=%%%", "test");

  CHECK(reply.kind == SsoReply::Kind::kBadRequest);
  CHECK_THAT(reply.body, Catch::Contains("not valid base64"));
}

TEST_CASE("sso service returns error to known sp", "[federation][sso]") {
  Fixture fixture;

  SsoReply reply = fixture.service.handle_redirect(valid_card(), testing::kKnownSpBadQuery, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK_THAT(reply.body, Catch::Contains("status=urn:oasis:names:tc:SAML:2.0:status:Requester"));
}

TEST_CASE("sso service checks card before request", "[federation][sso]") {
  Fixture fixture;

  // A bad request from a client without a card is refused for the card.
  SsoReply reply = fixture.service.handle_redirect(PeerCertificate{}, "SAMLRequest=%%%", "test");

  CHECK(reply.kind == SsoReply::Kind::kDenied);
}

}  // namespace careid::federation::sso
