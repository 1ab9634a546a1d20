// SSO sessions, the role choice and logout, with the fake directory and IdP.
#include <catch2/catch.hpp>

#include "federation/saml/saml_names.h"
#include "federation/sso/name_id_policy.h"
#include "federation/sso/role_page.h"
#include "federation/sso/session_store.h"
#include "federation/sso/sso_service.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kGoodQuery;
using testing::kTestUid;

PeerCertificate card_with_fingerprint(const std::string& fingerprint) {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=555000000001,OU=people,O=nhs";
  card.common_names = {kTestUid};
  card.sha256_fingerprint = fingerprint;
  return card;
}

const PeerCertificate kCard = card_with_fingerprint(std::string(64, 'a'));

struct Clock {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'800'000'000)};
};

struct Fixture {
  Clock clock;
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  SsoService service;

  explicit Fixture(SessionSettings settings = {})
      : service(source, idp, PersistentIdGenerator(std::string(32, 'k')),
                [this] { return clock.now; }, settings) {
    source.people.emplace(kTestUid, testing::make_test_person());
  }
};

// The value of `name` in the first <input name="name" value="..."> of `html`.
std::string input_value(const std::string& html, const std::string& name) {
  std::size_t at = html.find("name=\"" + name + "\" value=\"");
  REQUIRE(at != std::string::npos);
  at = html.find("value=\"", at) + 7;
  return html.substr(at, html.find('"', at) - at);
}

std::string cookie_value(const std::string& set_cookie) {
  std::size_t start = set_cookie.find('=') + 1;
  return set_cookie.substr(start, set_cookie.find(';') - start);
}

// Runs a login that stops at the role page and returns the CSRF token.
std::string start_role_choice(Fixture& fixture, const PeerCertificate& card = kCard) {
  SsoReply page = fixture.service.handle_sso(card, kGoodQuery, "", "test");
  REQUIRE(page.kind == SsoReply::Kind::kRolePage);
  return input_value(page.body, "csrf_token");
}

}  // namespace

TEST_CASE("several roles show role page", "[federation][sso][session]") {
  Fixture fixture;
  SsoReply reply = fixture.service.handle_sso(kCard, kGoodQuery, "", "test");

  REQUIRE(reply.kind == SsoReply::Kind::kRolePage);
  CHECK(reply.set_cookie.empty());
  CHECK_THAT(reply.body, Catch::Contains("value=\"100000000001\""));
  CHECK_THAT(reply.body, Catch::Contains("value=\"100000000002\""));
  CHECK_THAT(reply.body, Catch::Contains("Clinical Practitioner Access Role at Royal Victoria Infirmary (RVL)"));
  CHECK_THAT(reply.body, Catch::Contains("Admin Access Role at Y12345<"));
  CHECK_THAT(reply.body, Catch::Contains("action=\"/saml/role\""));
  CHECK(input_value(reply.body, "csrf_token").size() == 43);
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("chosen role is the only one asserted", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);

  SsoReply reply = fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000002", "test");
  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK_THAT(reply.body, Catch::Contains("roles=100000000002,;"));
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK_THAT(reply.set_cookie, Catch::StartsWith("__Host-careid_session="));
  CHECK_THAT(reply.set_cookie, Catch::Contains("; Path=/; Secure; HttpOnly; SameSite=Lax"));
  CHECK(cookie_value(reply.set_cookie).size() == 43);
  CHECK(fixture.service.sessions().session_count() == 1);
}

TEST_CASE("session reuses role for same card", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);
  SsoReply chosen = fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000002", "test");
  std::string session_id = cookie_value(chosen.set_cookie);

  fixture.clock.now += std::chrono::minutes(10);
  SsoReply again = fixture.service.handle_sso(kCard, kGoodQuery, session_id, "test");
  REQUIRE(again.kind == SsoReply::Kind::kPostForm);
  CHECK_THAT(again.body, Catch::Contains("roles=100000000002,;"));
  CHECK(again.set_cookie.empty());

  // The same cookie from another card is ignored: that card holder chooses afresh.
  SsoReply other_card = fixture.service.handle_sso(card_with_fingerprint(std::string(64, 'b')),
                                                   kGoodQuery, session_id, "test");
  CHECK(other_card.kind == SsoReply::Kind::kRolePage);

  // Both assertions of one session carry the same SessionIndex.
  std::size_t index_at = chosen.body.find(";session=");
  std::string session_index = chosen.body.substr(index_at, chosen.body.find('"', index_at) - index_at);
  CHECK_THAT(again.body, Catch::Contains(session_index));
}

TEST_CASE("session ends after idle timeout", "[federation][sso][session]") {
  SessionSettings settings;
  settings.idle_timeout = std::chrono::minutes(15);
  settings.absolute_timeout = std::chrono::minutes(40);
  Fixture fixture(settings);
  std::string token = start_role_choice(fixture);
  std::string session_id = cookie_value(
      fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000001", "test").set_cookie);

  // Used every 14 minutes it stays alive until the absolute timeout.
  for (int i = 0; i < 2; ++i) {
    fixture.clock.now += std::chrono::minutes(14);
    CHECK(fixture.service.handle_sso(kCard, kGoodQuery, session_id, "test").kind ==
          SsoReply::Kind::kPostForm);
  }
  fixture.clock.now += std::chrono::minutes(14);
  CHECK(fixture.service.handle_sso(kCard, kGoodQuery, session_id, "test").kind ==
        SsoReply::Kind::kRolePage);

  // A fresh session left alone for 15 minutes ends too.
  token = start_role_choice(fixture);
  session_id = cookie_value(
      fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000001", "test").set_cookie);
  fixture.clock.now += std::chrono::minutes(15);
  CHECK(fixture.service.handle_sso(kCard, kGoodQuery, session_id, "test").kind ==
        SsoReply::Kind::kRolePage);
}

TEST_CASE("role form checks token and role", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);

  CHECK(fixture.service.handle_role_choice(kCard, "role=100000000001", "test").kind ==
        SsoReply::Kind::kBadRequest);
  CHECK(fixture.service.handle_role_choice(kCard, "csrf_token=wrong&role=100000000001", "test").kind ==
        SsoReply::Kind::kDenied);
  CHECK(fixture.service.handle_role_choice(card_with_fingerprint(std::string(64, 'c')),
                                           "csrf_token=" + token + "&role=100000000001", "test")
            .kind == SsoReply::Kind::kDenied);
  CHECK(fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=999", "test").kind ==
        SsoReply::Kind::kBadRequest);
  CHECK(fixture.service.handle_role_choice(
                kCard, "csrf_token=" + token + "&role=1&role=100000000001", "test")
            .kind == SsoReply::Kind::kBadRequest);

  // The attempt with an unknown role used up the token: a token is usable once, even by a
  // rejected choice. The attempts without a valid token or from another card did not.
  CHECK(fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000001", "test")
            .kind == SsoReply::Kind::kDenied);
}

TEST_CASE("role choice rereads only chosen role", "[federation][sso][session]") {
  // Counts the searches and the rereads of one role apart.
  struct CountingSource : testing::FakeIdentitySource {
    std::atomic<int> role_reads{0};
    Result<std::optional<Person>> find_person_role(const Person& person, std::string_view role_id) override {
      ++role_reads;
      int searches = calls.load();
      auto found = IdentitySource::find_person_role(person, role_id);
      calls = searches;
      return found;
    }
  };
  CountingSource source;
  source.people.emplace(kTestUid, testing::make_test_person());
  testing::FakeIdentityProvider idp;
  SsoService service(source, idp, PersistentIdGenerator(std::string(32, 'k')));

  SsoReply page = service.handle_sso(kCard, kGoodQuery, "", "test");
  REQUIRE(page.kind == SsoReply::Kind::kRolePage);
  std::string body = "csrf_token=" + input_value(page.body, "csrf_token") + "&role=100000000002";
  SsoReply reply = service.handle_role_choice(kCard, body, "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK_THAT(reply.body, Catch::Contains("roles=100000000002,;"));
  CHECK(source.calls == 1);
  CHECK(source.role_reads == 1);
}

TEST_CASE("role choice rejects ended role", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);

  // The role profile ended while the role page was open.
  std::vector<RoleProfile>& roles = fixture.source.people.at(kTestUid).roles;
  roles.erase(roles.begin() + 1);
  SsoReply reply = fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000002", "test");

  CHECK(reply.kind == SsoReply::Kind::kBadRequest);
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("role choice rejects removed person", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);

  fixture.source.people.clear();
  SsoReply reply = fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000001", "test");

  CHECK(reply.kind == SsoReply::Kind::kDenied);
  CHECK_THAT(reply.body, Catch::Contains("not registered"));
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("role choice rejects other card holder", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);

  // Same fingerprint but another uid in the certificate cannot happen with real
  // certificates; the check must still hold.
  PeerCertificate other = kCard;
  other.common_names = {"555000000009"};
  SsoReply reply = fixture.service.handle_role_choice(other, "csrf_token=" + token + "&role=100000000001", "test");

  CHECK(reply.kind == SsoReply::Kind::kDenied);
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("role form token expires once used", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);
  std::string body = "csrf_token=" + token + "&role=100000000001";
  CHECK(fixture.service.handle_role_choice(kCard, body, "test").kind == SsoReply::Kind::kPostForm);
  CHECK(fixture.service.handle_role_choice(kCard, body, "test").kind == SsoReply::Kind::kDenied);

  std::string late = start_role_choice(fixture);
  fixture.clock.now += std::chrono::minutes(6);
  CHECK(fixture.service.handle_role_choice(kCard, "csrf_token=" + late + "&role=100000000001", "test")
            .kind == SsoReply::Kind::kDenied);
}

TEST_CASE("logout ends the session", "[federation][sso][session]") {
  Fixture fixture;
  std::string token = start_role_choice(fixture);
  std::string session_id = cookie_value(
      fixture.service.handle_role_choice(kCard, "csrf_token=" + token + "&role=100000000001", "test").set_cookie);

  SsoReply logout = fixture.service.handle_logout(session_id, "test");
  CHECK(logout.kind == SsoReply::Kind::kLoggedOut);
  CHECK_THAT(logout.set_cookie, Catch::Contains("Max-Age=0"));
  CHECK(fixture.service.sessions().session_count() == 0);
  CHECK(fixture.service.handle_sso(kCard, kGoodQuery, session_id, "test").kind ==
        SsoReply::Kind::kRolePage);
  CHECK(fixture.service.handle_logout("", "test").kind == SsoReply::Kind::kLoggedOut);
}

TEST_CASE("session store bounds its size", "[federation][sso][session]") {
  auto now = std::chrono::system_clock::time_point{std::chrono::seconds(1'000'000)};
  SessionSettings settings;
  settings.max_sessions = 2;
  SessionStore store(settings, [&] { return now; });
  auto first = store.start("fp", kTestUid, "");
  REQUIRE(first.ok());
  now += std::chrono::seconds(1);
  auto second = store.start("fp", kTestUid, "");
  now += std::chrono::seconds(1);
  auto third = store.start("fp", kTestUid, "");
  REQUIRE(second.ok());
  REQUIRE(third.ok());
  CHECK(store.session_count() == 2);
  CHECK(!store.use(first->id, "fp").has_value());
  CHECK(store.use(third->id, "fp").has_value());
  CHECK(!store.use(third->id, "").has_value());
  CHECK(first->id != second->id);
  CHECK(first->session_index != first->id);
}

TEST_CASE("cookie header parsing", "[federation][sso][session]") {
  CHECK(find_cookie("a=1; __Host-careid_session=abc; b=2", kSessionCookie) == "abc");
  CHECK(find_cookie("__Host-careid_session=xyz", kSessionCookie) == "xyz");
  CHECK(find_cookie("careid_session=no; x__Host-careid_session=no", kSessionCookie).empty());
  CHECK(find_cookie("", kSessionCookie).empty());
}

TEST_CASE("role page escapes and searches", "[federation][sso][session]") {
  std::vector<RoleProfile> roles = {
      {"1", "RVL", "S1:G1:R1", "Nurse <script>", "Trust & Co", {}, {}}};
  std::string page = build_role_page("Ann \"A\"", roles, "tok");
  CHECK_THAT(page, Catch::Contains("Nurse &lt;script&gt; at Trust &amp; Co (RVL)"));
  CHECK_THAT(page, Catch::Contains("Ann &quot;A&quot;"));
  CHECK_THAT(page, !Catch::Contains("role-search"));
  CHECK_THAT(page, !Catch::Contains("<script>"));

  for (int i = 2; i <= 6; ++i) {
    roles.push_back({std::to_string(i), "X" + std::to_string(i), "S:G:R", "Role", "", {}, {}});
  }
  std::string searchable = build_role_page("Ann", roles, "tok");
  CHECK_THAT(searchable, Catch::Contains("id=\"role-search\""));
  CHECK_THAT(searchable, Catch::Contains("<script>"));
}

TEST_CASE("role form parsing", "[federation][sso][session]") {
  RoleChoiceForm form = parse_role_form("csrf_token=a%2Db&role=123");
  CHECK(form.csrf_token == "a-b");
  CHECK(form.role_profile_id == "123");
  CHECK(parse_role_form("csrf_token=a&csrf_token=b&role=1").csrf_token.empty());
  CHECK(parse_role_form("csrf_token=%zz&role=1").csrf_token.empty());
  CHECK(parse_role_form("csrf_token=" + std::string(5000, 'a')).csrf_token.empty());
}

TEST_CASE("NameID policy picks each format", "[federation][sso]") {
  Person person = testing::make_test_person();
  PersistentIdGenerator ids(std::string(32, 'k'));

  auto persistent = select_name_id("", person, "sp", ids);
  REQUIRE(persistent.ok());
  CHECK(persistent->format == saml::kNameIdPersistent);
  CHECK(persistent->value == *ids.name_id("sp", kTestUid));

  auto transient = select_name_id(saml::kNameIdTransient, person, "sp", ids);
  auto transient_again = select_name_id(saml::kNameIdTransient, person, "sp", ids);
  REQUIRE(transient.ok());
  REQUIRE(transient_again.ok());
  CHECK(transient->format == saml::kNameIdTransient);
  CHECK(transient->value != transient_again->value);

  auto email = select_name_id(saml::kNameIdEmail, person, "sp", ids);
  REQUIRE(email.ok());
  CHECK(email->value == "ada.lovelace@nhs.example");

  person.mail.clear();
  CHECK(select_name_id(saml::kNameIdEmail, person, "sp", ids).status().code() ==
        StatusCode::kFailedPrecondition);
  CHECK(select_name_id("urn:x", person, "sp", ids).status().code() == StatusCode::kInvalidArgument);
}

}  // namespace careid::federation::sso
