#include "base/rate_limited_log.h"

namespace careid::log {

namespace {

constexpr std::string_view kOverflowKey = "(other keys)";

}  // namespace

RateLimitedLog::RateLimitedLog(std::shared_ptr<spdlog::logger> logger, std::size_t max_lines,
                               std::chrono::seconds interval, Clock clock)
    : logger_(std::move(logger)), max_lines_(max_lines), interval_(interval), clock_(std::move(clock)) {}

RateLimitedLog::Window& RateLimitedLog::window_for(std::string_view key, std::chrono::steady_clock::time_point now) {
  if (auto found = windows_.find(key); found != windows_.end()) {
    return found->second;
  }

  // Make room by forgetting keys whose interval has passed with nothing left to report.
  if (windows_.size() >= kMaxKeys) {
    std::erase_if(windows_, [&](const auto& entry) {
      return now - entry.second.start >= interval_ && entry.second.suppressed == 0;
    });
  }
  if (windows_.size() >= kMaxKeys) {
    key = kOverflowKey;
  }
  return windows_.try_emplace(std::string(key), Window{now, 0, 0}).first->second;
}

std::optional<std::uint64_t> RateLimitedLog::admit(std::string_view key) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  Window& window = window_for(key, now);

  if (now - window.start >= interval_) {
    window.start = now;
    window.written = 0;
  }
  if (window.written >= max_lines_) {
    ++window.suppressed;
    return std::nullopt;
  }

  ++window.written;
  return std::exchange(window.suppressed, 0);
}

}  // namespace careid::log
