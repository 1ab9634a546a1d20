#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "base/rate_limited_log.h"

namespace {

using careid::log::RateLimitedLog;
using TimePoint = std::chrono::steady_clock::time_point;

struct Fixture {
  std::ostringstream output;
  std::shared_ptr<spdlog::logger> logger;
  TimePoint now{std::chrono::seconds(1000)};

  Fixture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(output);
    logger = std::make_shared<spdlog::logger>("rate_limited_log_test", sink);
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
  }

  RateLimitedLog make(std::size_t max_lines) {
    return RateLimitedLog(logger, max_lines, std::chrono::seconds(60), [this] { return now; });
  }
};

}  // namespace

TEST_CASE("rate limit admits max lines per interval", "[base][log]") {
  Fixture fixture;
  RateLimitedLog limited = fixture.make(2);

  CHECK(limited.admit("bind") == std::optional<std::uint64_t>(0));
  CHECK(limited.admit("bind") == std::optional<std::uint64_t>(0));
  CHECK_FALSE(limited.admit("bind").has_value());
  CHECK_FALSE(limited.admit("bind").has_value());
  CHECK(limited.admit("other") == std::optional<std::uint64_t>(0));

  fixture.now += std::chrono::seconds(59);
  CHECK_FALSE(limited.admit("bind").has_value());

  fixture.now += std::chrono::seconds(1);
  CHECK(limited.admit("bind") == std::optional<std::uint64_t>(3));
  CHECK(limited.admit("bind") == std::optional<std::uint64_t>(0));
}

TEST_CASE("rate limit writes suppressed count line", "[base][log]") {
  Fixture fixture;
  RateLimitedLog limited = fixture.make(1);

  for (int i = 0; i < 5; ++i) {
    limited.warn("reject", "rejected conn={}", i);
  }
  fixture.now += std::chrono::seconds(61);
  limited.warn("reject", "rejected conn={}", 5);

  CHECK(fixture.output.str() ==
        "rejected conn=0\n"
        "suppressed 4 similar messages key=reject in the previous 60s\n"
        "rejected conn=5\n");
}

TEST_CASE("rate limit skips disabled level", "[base][log]") {
  Fixture fixture;
  fixture.logger->set_level(spdlog::level::warn);
  RateLimitedLog limited = fixture.make(1);

  limited.info("bind", "not written");
  limited.warn("bind", "written");
  CHECK(fixture.output.str() == "written\n");
}

TEST_CASE("rate limit bounds tracked keys", "[base][log]") {
  Fixture fixture;
  RateLimitedLog limited = fixture.make(1);

  for (std::size_t i = 0; i < RateLimitedLog::kMaxKeys; ++i) {
    REQUIRE(limited.admit("key" + std::to_string(i)).has_value());
  }
  // New keys now share one overflow key, which allows one line per interval.
  CHECK(limited.admit("new-a").has_value());
  CHECK_FALSE(limited.admit("new-b").has_value());

  // Once the interval has passed, idle keys are forgotten and new keys get their own.
  fixture.now += std::chrono::seconds(61);
  CHECK(limited.admit("new-c").has_value());
  CHECK(limited.admit("new-d").has_value());
}
