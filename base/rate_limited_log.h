// RateLimitedLog: a logger wrapper for messages that a client can trigger once per request
// (rejected connections, failed binds, refused logins), so that a flood cannot fill the
// disk or hide other lines.
//
// Per key, at most `max_lines` messages are written in each `interval`. Further messages
// with that key in the same interval are only counted. The first message written in a
// later interval is preceded by one "suppressed K similar messages" line, so a count is
// reported only when that key logs again.
//
// Thread-safe: admit() takes a mutex, which suits refusal paths. Do not use it on a path
// that runs for every successful request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

namespace careid::log {

class RateLimitedLog {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // Keys tracked at once. Past this, messages with a new key share one overflow key.
  static constexpr std::size_t kMaxKeys = 1024;

  // Defaults for refusal logs: a burst stays visible, a flood costs 10 lines a minute per key.
  static constexpr std::size_t kDefaultMaxLines = 10;
  static constexpr std::chrono::seconds kDefaultInterval{60};

  explicit RateLimitedLog(std::shared_ptr<spdlog::logger> logger, std::size_t max_lines = kDefaultMaxLines,
                          std::chrono::seconds interval = kDefaultInterval,
                          Clock clock = std::chrono::steady_clock::now);

  // Writes the message at `level` unless `key` is over its limit.
  template <class... Args>
  void log(spdlog::level::level_enum level, std::string_view key,
           spdlog::format_string_t<Args...> format, Args&&... args) {
    if (!logger_->should_log(level)) {
      return;
    }
    std::optional<std::uint64_t> suppressed = admit(key);
    if (!suppressed.has_value()) {
      return;
    }
    if (*suppressed > 0) {
      logger_->log(level, "suppressed {} similar messages key={} in the previous {}s", *suppressed, key,
                   interval_.count());
    }
    logger_->log(level, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void warn(std::string_view key, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::warn, key, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void info(std::string_view key, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::info, key, format, std::forward<Args>(args)...);
  }

  // Counts one message for `key`. Returns nullopt when it must be dropped, otherwise the
  // number of messages dropped for `key` since the last one written.
  std::optional<std::uint64_t> admit(std::string_view key);

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    std::size_t written = 0;
    std::uint64_t suppressed = 0;
  };

  Window& window_for(std::string_view key, std::chrono::steady_clock::time_point now);

  std::shared_ptr<spdlog::logger> logger_;
  const std::size_t max_lines_;
  const std::chrono::seconds interval_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Window, std::less<>> windows_;
};

}  // namespace careid::log
