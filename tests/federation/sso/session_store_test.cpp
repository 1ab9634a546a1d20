// SessionStore's index by end time: which entry a full store drops, which entries expire,
// and that use(), end() and a replaced logout keep the index in step with the maps.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/sso/session_store.h"

namespace careid::federation::sso {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kCard = "fingerprint";

struct StoreFixture {
  std::chrono::system_clock::time_point now{seconds(1'800'000'000)};
  std::vector<std::pair<std::string, SessionEnd>> ended;
  std::vector<std::string> expired_logouts;
  SessionStore store;

  explicit StoreFixture(SessionSettings settings = {})
      : store(settings, [this] { return now; }) {
    store.set_session_ended_listener([this](const SsoSession& session, SessionEnd reason) {
      ended.emplace_back(session.uid, reason);
    });
    store.set_logout_expired_listener(
        [this](const LogoutProgress& progress) { expired_logouts.push_back(progress.uid); });
  }

  std::string start(const std::string& uid) {
    Result<SsoSession> session = store.start(kCard, uid, "");
    REQUIRE(session.ok());
    return session->id;
  }

  LogoutProgress logout(const std::string& id, const std::string& uid, minutes lifetime) {
    LogoutProgress progress;
    progress.id = id;
    progress.uid = uid;
    progress.expires = now + lifetime;
    return progress;
  }
};

}  // namespace

TEST_CASE("full store evicts idlest session", "[federation][sso][session]") {
  SessionSettings settings;
  settings.max_sessions = 2;
  StoreFixture fixture(settings);
  std::string first = fixture.start("first");
  fixture.now += minutes(1);
  std::string second = fixture.start("second");

  // Using the first session moves its idle end past the second's.
  fixture.now += minutes(1);
  REQUIRE(fixture.store.use(first, kCard).has_value());
  fixture.now += minutes(1);
  fixture.start("third");

  REQUIRE(fixture.ended.size() == 1);
  CHECK(fixture.ended[0].first == "second");
  CHECK(fixture.ended[0].second == SessionEnd::kEvicted);
  CHECK(fixture.store.use(first, kCard).has_value());
  CHECK_FALSE(fixture.store.find(second).has_value());
  CHECK(fixture.store.session_count() == 2);
}

TEST_CASE("sweep ends only expired sessions", "[federation][sso][session]") {
  StoreFixture fixture;
  std::string early = fixture.start("early");
  fixture.now += minutes(10);
  std::string late = fixture.start("late");
  std::string logged_out = fixture.start("logged_out");
  REQUIRE(fixture.store.end(logged_out).has_value());

  // The idle timeout is 15 minutes, so only the early session has passed it.
  fixture.now += minutes(6);
  fixture.store.sweep_expired();
  REQUIRE(fixture.ended.size() == 2);
  CHECK(fixture.ended[0] == std::make_pair(std::string("logged_out"), SessionEnd::kLogout));
  CHECK(fixture.ended[1] == std::make_pair(std::string("early"), SessionEnd::kIdleTimeout));
  CHECK(fixture.store.session_count() == 1);
  CHECK(fixture.store.find(late).has_value());

  fixture.now += minutes(10);
  fixture.store.sweep_expired();
  REQUIRE(fixture.ended.size() == 3);
  CHECK(fixture.ended[2] == std::make_pair(std::string("late"), SessionEnd::kIdleTimeout));
  CHECK(fixture.store.session_count() == 0);
}

TEST_CASE("used session outlives idle timeout", "[federation][sso][session]") {
  StoreFixture fixture;
  std::string busy = fixture.start("busy");
  for (int step = 0; step < 4; ++step) {
    fixture.now += minutes(10);
    REQUIRE(fixture.store.use(busy, kCard).has_value());
    fixture.store.sweep_expired();
  }
  CHECK(fixture.ended.empty());
  CHECK(fixture.store.find(busy).has_value());

  fixture.now += minutes(15);
  fixture.store.sweep_expired();
  REQUIRE(fixture.ended.size() == 1);
  CHECK(fixture.ended[0].second == SessionEnd::kIdleTimeout);
}

TEST_CASE("full store drops soonest pending choice", "[federation][sso][session]") {
  SessionSettings settings;
  settings.max_pending_choices = 2;
  StoreFixture fixture(settings);
  Result<std::string> first = fixture.store.add_pending(kCard, "first", {});
  fixture.now += seconds(1);
  Result<std::string> second = fixture.store.add_pending(kCard, "second", {});
  REQUIRE(first.ok());
  REQUIRE(second.ok());

  // A taken choice leaves room, so the third one drops nothing.
  REQUIRE(fixture.store.take_pending(*second, kCard).has_value());
  Result<std::string> third = fixture.store.add_pending(kCard, "third", {});
  fixture.now += seconds(1);
  Result<std::string> fourth = fixture.store.add_pending(kCard, "fourth", {});
  REQUIRE(third.ok());
  REQUIRE(fourth.ok());

  CHECK_FALSE(fixture.store.take_pending(*first, kCard).has_value());
  CHECK(fixture.store.take_pending(*third, kCard).has_value());
  CHECK(fixture.store.take_pending(*fourth, kCard).has_value());
}

TEST_CASE("pending choice expires after timeout", "[federation][sso][session]") {
  StoreFixture fixture;
  Result<std::string> old_choice = fixture.store.add_pending(kCard, "old", {});
  fixture.now += minutes(4);
  Result<std::string> new_choice = fixture.store.add_pending(kCard, "new", {});
  REQUIRE(old_choice.ok());
  REQUIRE(new_choice.ok());

  // The choice timeout is 5 minutes. Adding a session drops the expired choice.
  fixture.now += minutes(2);
  fixture.start("someone");
  CHECK_FALSE(fixture.store.take_pending(*old_choice, kCard).has_value());
  CHECK(fixture.store.take_pending(*new_choice, kCard).has_value());
}

TEST_CASE("replaced logout expires once", "[federation][sso][session]") {
  StoreFixture fixture;
  fixture.store.put_logout(fixture.logout("token", "before", minutes(1)));
  fixture.store.put_logout(fixture.logout("token", "after", minutes(3)));

  // The first entry's end time passed, but it was replaced, so nothing expires yet.
  fixture.now += minutes(2);
  fixture.store.sweep_expired();
  CHECK(fixture.expired_logouts.empty());

  std::optional<LogoutProgress> replacement = fixture.store.take_logout("token");
  REQUIRE(replacement.has_value());
  CHECK(replacement->uid == "after");
  fixture.now += minutes(5);
  fixture.store.sweep_expired();
  CHECK(fixture.expired_logouts.empty());
}

TEST_CASE("full store drops soonest logout", "[federation][sso][session]") {
  SessionSettings settings;
  settings.max_logouts = 2;
  StoreFixture fixture(settings);
  fixture.store.put_logout(fixture.logout("a", "long", minutes(5)));
  fixture.store.put_logout(fixture.logout("b", "short", minutes(1)));
  fixture.store.put_logout(fixture.logout("c", "new", minutes(2)));

  REQUIRE(fixture.expired_logouts.size() == 1);
  CHECK(fixture.expired_logouts[0] == "short");
  CHECK(fixture.store.take_logout("a").has_value());
  CHECK(fixture.store.take_logout("c").has_value());
}

}  // namespace careid::federation::sso
