#include <catch2/catch.hpp>

#include "federation/saml/saml_names.h"
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

TEST_CASE("subject lists role activities", "[federation][sso]") {
  Person person = testing::make_test_person();
  person.roles[1].activities = {{"B0264", "Access Clinical Record"}, {"B0825", ""}};
  person.roles[1].workgroups = {"WG-A", "WG-B"};

  saml::Subject chosen = build_subject(person, "pseudonym", kNow, &person.roles[1]);
  CHECK(chosen.attributes.at("nhsActivityCode") == std::vector<std::string>{"B0264", "B0825"});
  CHECK(chosen.attributes.at("nhsWorkgroup") == std::vector<std::string>{"WG-A", "WG-B"});

  // The other role has no activities or workgroups, so neither attribute is sent.
  saml::Subject other = build_subject(person, "pseudonym", kNow, &person.roles[0]);
  CHECK(other.attributes.count("nhsActivityCode") == 0);
  CHECK(other.attributes.count("nhsWorkgroup") == 0);
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

TEST_CASE("sso service accepts POST binding", "[federation][sso]") {
  Fixture fixture;
  fixture.source.people.at(kTestUid).roles.resize(1);

  SsoReply reply = fixture.service.handle_sso_post(valid_card(), kGoodQuery, "", "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK_THAT(reply.body, Catch::Contains("uid=555000000001"));
  CHECK_THAT(reply.set_cookie, Catch::StartsWith("__Host-careid_session="));
}

TEST_CASE("POST binding checks card first", "[federation][sso]") {
  Fixture fixture;

  SsoReply no_card = fixture.service.handle_sso_post(PeerCertificate{}, "SAMLRequest=", "", "test");
  SsoReply bad_form = fixture.service.handle_sso_post(valid_card(), "SAMLRequest=", "", "test");

  CHECK(no_card.kind == SsoReply::Kind::kDenied);
  CHECK(bad_form.kind == SsoReply::Kind::kBadRequest);
  CHECK_THAT(bad_form.body, Catch::Contains("SAMLRequest is missing"));
}

// A session with an assertion for each of `sps`, as the logout tests need it.
SsoSession started_session(SsoService& service, const std::vector<std::string>& sps) {
  Result<SsoSession> session = service.sessions().start(std::string(64, 'a'), kTestUid, "");
  REQUIRE(session.ok());
  for (const std::string& sp : sps) {
    service.sessions().record_service_provider(session->id, sp, {"name", ""});
  }
  return *session;
}

TEST_CASE("SP logout ends its session", "[federation][sso][logout]") {
  Fixture fixture;
  SsoSession session = started_session(fixture.service, {testing::kTestSp});
  fixture.idp.logout_session_index = session.session_index;

  SsoReply reply =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session.id, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRedirect);
  CHECK(reply.acs_url == std::string(testing::kTestSlo) + "?to=_logout1;partial=false");
  CHECK_THAT(reply.set_cookie, Catch::Contains("Max-Age=0"));
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("SP logout by POST binding", "[federation][sso][logout]") {
  Fixture fixture;
  SsoSession session = started_session(fixture.service, {testing::kTestSp});
  fixture.idp.logout_session_index = session.session_index;
  fixture.idp.logout_by_post = true;

  // A cross-site POST carries no SameSite=Lax cookie, so the SessionIndex alone names it.
  SsoReply reply =
      fixture.service.handle_logout_request(true, testing::kGoodLogoutQuery, "", "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestSlo);
  CHECK_THAT(reply.body, Catch::Contains("partial=false"));
  CHECK(reply.set_cookie.empty());
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("logout reports other SPs as partial", "[federation][sso][logout]") {
  Fixture fixture;
  SsoSession session = started_session(fixture.service, {testing::kTestSp, testing::kOtherSp});
  fixture.idp.logout_session_index = session.session_index;

  SsoReply reply =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session.id, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRedirect);
  CHECK_THAT(reply.acs_url, Catch::EndsWith("partial=true"));
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("logout keeps sessions of other SPs", "[federation][sso][logout]") {
  Fixture fixture;
  // The requesting SP received no assertion in this session, so it cannot end it.
  SsoSession session = started_session(fixture.service, {testing::kOtherSp});
  fixture.idp.logout_session_index = session.session_index;

  SsoReply reply =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session.id, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRedirect);
  CHECK(reply.set_cookie.empty());
  CHECK(fixture.service.sessions().session_count() == 1);
}

TEST_CASE("logout without SessionIndex uses cookie", "[federation][sso][logout]") {
  Fixture fixture;
  SsoSession session = started_session(fixture.service, {testing::kTestSp});
  SsoSession other = started_session(fixture.service, {testing::kTestSp});

  SsoReply reply =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session.id, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRedirect);
  CHECK(fixture.service.sessions().session_count() == 1);
  CHECK(fixture.service.sessions().end(other.id).has_value());
}

TEST_CASE("rejected LogoutRequest is 400", "[federation][sso][logout]") {
  Fixture fixture;
  SsoSession session = started_session(fixture.service, {testing::kTestSp});

  SsoReply reply = fixture.service.handle_logout_request(false, "SAMLRequest=forged", session.id,
                                                         "test");

  CHECK(reply.kind == SsoReply::Kind::kBadRequest);
  CHECK_THAT(reply.body, Catch::Contains("signature rejected"));
  CHECK(fixture.service.sessions().session_count() == 1);
}

// The session cookie value in a Set-Cookie header.
std::string cookie_of(const std::string& set_cookie) {
  std::size_t start = set_cookie.find('=') + 1;
  return set_cookie.substr(start, set_cookie.find(';') - start);
}

// A LogoutResponse from kOtherSp to the first LogoutRequest that the fake sent.
saml::LogoutResult other_sp_response(const std::string& relay_state,
                                     std::string_view status = saml::kStatusSuccess) {
  return saml::LogoutResult{testing::kOtherSp, "_out-1", std::string(status), relay_state};
}

// Starts a logout from kTestSp in a session shared with kOtherSp, with LogoutRequests on,
// and returns the reply that carries the LogoutRequest to kOtherSp.
SsoReply start_sp_logout(Fixture& fixture) {
  fixture.idp.send_logout_requests = true;
  SsoSession session = started_session(fixture.service, {testing::kTestSp, testing::kOtherSp});
  fixture.idp.logout_session_index = session.session_index;
  SsoReply first =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session.id, "test");
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);
  return first;
}

TEST_CASE("SP logout asks other SP first", "[federation][sso][logout]") {
  Fixture fixture;
  SsoReply first = start_sp_logout(fixture);

  CHECK_THAT(first.acs_url, Catch::StartsWith(std::string(testing::kOtherSlo) + "?sp=" +
                                              testing::kOtherSp + "&name=name&relay="));
  std::string logout_id = cookie_of(first.set_cookie);
  CHECK_THAT(first.acs_url, Catch::EndsWith("relay=" + logout_id));
  CHECK(fixture.service.sessions().session_count() == 0);

  fixture.idp.logout_result = other_sp_response(logout_id);
  SsoReply last = fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test");

  REQUIRE(last.kind == SsoReply::Kind::kRedirect);
  CHECK(last.acs_url == std::string(testing::kTestSlo) + "?to=_logout1;partial=false");
  CHECK_THAT(last.set_cookie, Catch::Contains("Max-Age=0"));
}

TEST_CASE("failed other SP gives PartialLogout", "[federation][sso][logout]") {
  Fixture fixture;
  SsoReply first = start_sp_logout(fixture);

  fixture.idp.logout_result = other_sp_response(cookie_of(first.set_cookie), saml::kStatusResponder);
  SsoReply last = fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test");

  REQUIRE(last.kind == SsoReply::Kind::kRedirect);
  CHECK_THAT(last.acs_url, Catch::EndsWith("partial=true"));
}

TEST_CASE("mismatched LogoutResponse rejected", "[federation][sso][logout]") {
  Fixture fixture;
  SsoReply first = start_sp_logout(fixture);
  std::string logout_id = cookie_of(first.set_cookie);

  fixture.idp.logout_result = other_sp_response(logout_id);
  fixture.idp.logout_result.in_response_to = "_another";
  CHECK(fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test").kind ==
        SsoReply::Kind::kBadRequest);
  fixture.idp.logout_result = other_sp_response(logout_id);
  fixture.idp.logout_result.issuer = testing::kTestSp;
  CHECK(fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test").kind ==
        SsoReply::Kind::kBadRequest);
  fixture.idp.logout_result = other_sp_response("unknown-logout");
  CHECK(fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test").kind ==
        SsoReply::Kind::kBadRequest);

  // The logout still waits for the right response.
  fixture.idp.logout_result = other_sp_response(logout_id);
  SsoReply last = fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test");
  REQUIRE(last.kind == SsoReply::Kind::kRedirect);
  CHECK_THAT(last.acs_url, Catch::EndsWith("partial=false"));
}

TEST_CASE("careid logout asks every SP", "[federation][sso][logout]") {
  Fixture fixture;
  fixture.idp.send_logout_requests = true;
  SsoSession session = started_session(fixture.service, {testing::kTestSp, testing::kOtherSp});

  SsoReply first = fixture.service.handle_logout(session.id, "test");
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);
  CHECK_THAT(first.acs_url, Catch::Contains(std::string("sp=") + testing::kTestSp));
  std::string logout_id = cookie_of(first.set_cookie);

  fixture.idp.logout_result = {testing::kTestSp, "_out-1", std::string(saml::kStatusSuccess),
                               logout_id};
  SsoReply second = fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test");
  REQUIRE(second.kind == SsoReply::Kind::kRedirect);
  CHECK_THAT(second.acs_url, Catch::Contains(std::string("sp=") + testing::kOtherSp));

  fixture.idp.logout_result = {testing::kOtherSp, "_out-2", std::string(saml::kStatusSuccess),
                               logout_id};
  SsoReply last = fixture.service.handle_logout_request(false, "SAMLResponse=x", "", "test");
  CHECK(last.kind == SsoReply::Kind::kLoggedOut);
  CHECK_THAT(last.body, Catch::Contains("and of the services you used"));
  CHECK_THAT(last.set_cookie, Catch::Contains("Max-Age=0"));
}

TEST_CASE("return to logout skips silent SP", "[federation][sso][logout]") {
  Fixture fixture;
  fixture.idp.send_logout_requests = true;
  SsoSession session = started_session(fixture.service, {testing::kOtherSp});

  SsoReply first = fixture.service.handle_logout(session.id, "test");
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);

  // The SP sent no LogoutResponse; the browser comes back to /logout with the logout's cookie.
  SsoReply last = fixture.service.handle_logout(cookie_of(first.set_cookie), "test");
  CHECK(last.kind == SsoReply::Kind::kLoggedOut);
  CHECK_THAT(last.body, Catch::Contains("did not confirm"));
  CHECK_THAT(last.set_cookie, Catch::Contains("Max-Age=0"));
}

TEST_CASE("logout with another NameID ignored", "[federation][sso][logout]") {
  Fixture fixture;
  Result<SsoSession> session = fixture.service.sessions().start(std::string(64, 'a'), kTestUid, "");
  REQUIRE(session.ok());
  fixture.service.sessions().record_service_provider(session->id, testing::kTestSp,
                                                     {"another-pseudonym", ""});
  fixture.idp.logout_session_index = session->session_index;

  SsoReply reply =
      fixture.service.handle_logout_request(false, testing::kGoodLogoutQuery, session->id, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRedirect);
  CHECK(reply.set_cookie.empty());
  CHECK(fixture.service.sessions().session_count() == 1);
}

}  // namespace careid::federation::sso
