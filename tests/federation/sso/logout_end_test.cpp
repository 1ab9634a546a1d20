// How sessions and logouts end: the listeners' reasons, the audit event of a logout that the
// browser left, and the end of an OpenID logout (redirect or signed-out page).
#include <mutex>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/sso/sso_service.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kTestUid;

using testing::CapturingSink;

struct LogoutFixture {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'800'000'000)};
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  CapturingSink sink;
  SsoService service{source, idp, PersistentIdGenerator(std::string(32, 'k')),
                     [this] { return now; }, SessionSettings{}, sink};
  std::vector<std::pair<std::string, SessionEnd>> ended;

  LogoutFixture() {
    service.sessions().set_session_ended_listener(
        [this](const SsoSession& session, SessionEnd reason) {
          ended.emplace_back(session.uid, reason);
        });
  }

  std::string start_session() {
    Result<SsoSession> session = service.sessions().start(std::string(64, 'a'), kTestUid, "");
    REQUIRE(session.ok());
    return session->id;
  }
};

std::string cookie_value(const std::string& set_cookie) {
  std::size_t start = set_cookie.find('=') + 1;
  return set_cookie.substr(start, set_cookie.find(';') - start);
}

}  // namespace

TEST_CASE("session end reasons reach listener", "[federation][sso][session]") {
  LogoutFixture fixture;
  SessionStore& sessions = fixture.service.sessions();
  std::string logged_out = fixture.start_session();
  REQUIRE(sessions.end(logged_out).has_value());
  REQUIRE(fixture.ended.size() == 1);
  CHECK(fixture.ended[0].second == SessionEnd::kLogout);

  fixture.start_session();
  fixture.now += std::chrono::minutes(16);
  sessions.sweep_expired();
  REQUIRE(fixture.ended.size() == 2);
  CHECK(fixture.ended[1].second == SessionEnd::kIdleTimeout);

  std::string busy = fixture.start_session();
  for (int step = 0; step < 35; ++step) {
    fixture.now += std::chrono::minutes(14);
    sessions.use(busy, std::string(64, 'a'));
  }
  REQUIRE(fixture.ended.size() == 3);
  CHECK(fixture.ended[2].second == SessionEnd::kAbsoluteTimeout);
  CHECK(session_end_name(SessionEnd::kAbsoluteTimeout) == "absolute_timeout");
}

TEST_CASE("session ended by session index", "[federation][sso][session]") {
  LogoutFixture fixture;
  std::string id = fixture.start_session();
  std::string index = fixture.service.sessions().find(id)->session_index;
  CHECK_FALSE(fixture.service.sessions().end_by_session_index("").has_value());
  CHECK_FALSE(fixture.service.sessions().end_by_session_index("_other").has_value());
  REQUIRE(fixture.service.sessions().end_by_session_index(index).has_value());
  CHECK(fixture.service.sessions().session_count() == 0);
  CHECK(fixture.ended.size() == 1);
}

TEST_CASE("expired logout gets audit event", "[federation][sso][audit]") {
  LogoutFixture fixture;
  fixture.idp.send_logout_requests = true;
  std::string id = fixture.start_session();
  fixture.service.sessions().record_service_provider(id, testing::kTestSp, {"name", ""});

  SsoReply first = fixture.service.handle_logout(id, "peer=127.0.0.1:5000 conn=1");
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);
  CHECK(fixture.sink.events().empty());

  // The browser never comes back; the next sweep after the step timeout records the logout.
  fixture.now += std::chrono::minutes(3);
  fixture.service.sessions().sweep_expired();
  auto events = fixture.sink.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "sso.logout");
  CHECK(events[0].actor == kTestUid);
  CHECK(events[0].details["partial"] == true);
  CHECK(events[0].details["service_providers"][testing::kTestSp] == "no_response");

  // A late return finds nothing and records nothing more.
  CHECK(fixture.service.handle_logout(cookie_value(first.set_cookie), "test").kind ==
        SsoReply::Kind::kLoggedOut);
  CHECK(fixture.sink.events().size() == 2);  // the new, empty logout of /logout itself
}

TEST_CASE("openid logout redirects at end", "[federation][sso][session]") {
  LogoutFixture fixture;
  std::string id = fixture.start_session();
  SsoService::LogoutOptions options{"https://rp.example/bye?state=s", ""};
  SsoReply reply = fixture.service.handle_logout(id, "test", options);
  CHECK(reply.kind == SsoReply::Kind::kRedirect);
  CHECK(reply.acs_url == "https://rp.example/bye?state=s");
  CHECK_THAT(reply.set_cookie, Catch::Contains("Max-Age=0"));
  CHECK(fixture.service.sessions().session_count() == 0);

  // Without a cookie, the hint's sid names the session.
  std::string other = fixture.start_session();
  std::string index = fixture.service.sessions().find(other)->session_index;
  SsoReply by_sid = fixture.service.handle_logout("", "test", {"", index});
  CHECK(by_sid.kind == SsoReply::Kind::kLoggedOut);
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("partial openid logout shows continue link", "[federation][sso][session]") {
  LogoutFixture fixture;
  fixture.idp.send_logout_requests = true;
  std::string id = fixture.start_session();
  fixture.service.sessions().record_service_provider(id, testing::kTestSp, {"name", ""});
  SsoService::LogoutOptions options{"https://rp.example/bye?a=1&state=s", ""};
  SsoReply first = fixture.service.handle_logout(id, "test", options);
  REQUIRE(first.kind == SsoReply::Kind::kRedirect);

  // The SP sends no LogoutResponse and the browser returns to careid.
  SsoReply last = fixture.service.handle_logout(cookie_value(first.set_cookie), "test");
  REQUIRE(last.kind == SsoReply::Kind::kLoggedOut);
  CHECK_THAT(last.body, Catch::Contains("did not confirm"));
  CHECK_THAT(last.body, Catch::Contains("href=\"https://rp.example/bye?a=1&amp;state=s\""));
}

TEST_CASE("signed out page links home", "[federation][sso][session]") {
  std::string page = build_signed_out_page(false, "");
  CHECK_THAT(page, Catch::Contains("You are signed out of careid"));
  CHECK_THAT(page, Catch::Contains("<a href=\"/\">Continue</a>"));
  CHECK_THAT(build_signed_out_page(false, "https://rp.example/\"x"),
             Catch::Contains("href=\"https://rp.example/&quot;x\""));
}

}  // namespace careid::federation::sso
