#include <mutex>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/sso/sso_service.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kGoodQuery;
using testing::kTestUid;

using testing::CapturingSink;

PeerCertificate card_of(std::string uid) {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=" + uid + ",OU=people,O=nhs";
  card.common_names = {std::move(uid)};
  return card;
}

const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'800'000'000)};

struct AuditFixture {
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  CapturingSink sink;
  SsoService service{source, idp, PersistentIdGenerator(std::string(32, 'k')), [] { return kNow; }, {}, sink};

  AuditFixture() {
    source.people.emplace(kTestUid, testing::make_test_person());
    source.people.at(kTestUid).roles.resize(1);
  }
};

}  // namespace

TEST_CASE("sso audit login and assertion", "[federation][sso][audit]") {
  AuditFixture fixture;
  SsoReply reply = fixture.service.handle_redirect(card_of(kTestUid), kGoodQuery, "peer=127.0.0.1:5000 conn=1");
  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);

  auto events = fixture.sink.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "sso.login");
  CHECK(events[0].outcome == "success");
  CHECK(events[0].actor == kTestUid);
  CHECK(events[0].client == "127.0.0.1:5000");
  CHECK(events[1].type == "saml.assertion");
  CHECK(events[1].subject == kTestUid);
  CHECK(events[1].details["sp"] == testing::kTestSp);
  CHECK(events[1].details["name_id"] ==
        *PersistentIdGenerator(std::string(32, 'k')).name_id(testing::kTestSp, kTestUid));
  CHECK(events[1].details["attributes"]["uid"] == nlohmann::json({kTestUid}));
  CHECK(events[1].details["attributes"].contains("mail"));
}

TEST_CASE("sso audit refused card", "[federation][sso][audit]") {
  AuditFixture fixture;
  PeerCertificate missing;
  SsoReply reply = fixture.service.handle_redirect(missing, kGoodQuery, "peer=127.0.0.1:5000 conn=1");
  REQUIRE(reply.kind == SsoReply::Kind::kDenied);

  auto events = fixture.sink.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "sso.login");
  CHECK(events[0].outcome == "failure");
  CHECK(events[0].actor == "anonymous");
  CHECK(events[0].details["reason"] == "no_certificate");
}

TEST_CASE("sso audit unknown person", "[federation][sso][audit]") {
  AuditFixture fixture;
  SsoReply reply = fixture.service.handle_redirect(card_of("555000000099"), kGoodQuery, "test");
  REQUIRE(reply.kind == SsoReply::Kind::kDenied);

  auto events = fixture.sink.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].subject == "555000000099");
  CHECK(events[0].details["reason"] == "unknown_person");
  CHECK(events[0].client == "test");
}

TEST_CASE("sso audit bad request", "[federation][sso][audit]") {
  AuditFixture fixture;
  SsoReply reply = fixture.service.handle_redirect(card_of(kTestUid), "SAMLRequest=%%%", "test");
  CHECK(reply.kind != SsoReply::Kind::kPostForm);

  auto events = fixture.sink.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].outcome == "failure");
  CHECK(events[0].details["reason"] == "bad_request");
  CHECK(events[0].actor == kTestUid);
}

TEST_CASE("sso audit logout names each SP", "[federation][sso][audit]") {
  AuditFixture fixture;
  fixture.idp.send_logout_requests = true;
  Result<SsoSession> session = fixture.service.sessions().start(std::string(64, 'a'), kTestUid, "");
  REQUIRE(session.ok());
  fixture.service.sessions().record_service_provider(session->id, testing::kTestSp, {"name", ""});
  fixture.service.sessions().record_service_provider(session->id, testing::kOtherSp, {"name", ""});

  SsoReply first = fixture.service.handle_logout(session->id, "peer=127.0.0.1:5000 conn=1");
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);
  std::string logout_id = first.set_cookie.substr(first.set_cookie.find('=') + 1);
  logout_id = logout_id.substr(0, logout_id.find(';'));
  fixture.idp.logout_result = {testing::kTestSp, "_out-1",
                               "urn:oasis:names:tc:SAML:2.0:status:Success", logout_id};
  REQUIRE(fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test").kind ==
          SsoReply::Kind::kRedirect);
  // The second SP sends no LogoutResponse, and the browser returns to /logout.
  REQUIRE(fixture.service.handle_logout(logout_id, "peer=127.0.0.1:5000 conn=2").kind ==
          SsoReply::Kind::kLoggedOut);

  auto events = fixture.sink.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "sso.logout");
  CHECK(events[0].outcome == "failure");
  CHECK(events[0].actor == kTestUid);
  CHECK(events[0].details["partial"] == true);
  CHECK(events[0].details["sessions"] == 1);
  CHECK(events[0].details["service_providers"][testing::kTestSp] == "success");
  CHECK(events[0].details["service_providers"][testing::kOtherSp] == "no_response");
}

}  // namespace careid::federation::sso
