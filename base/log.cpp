#include "base/log.h"

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace careid::log {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Writes the level as `log_level` spells it ("warn", where spdlog's %l writes "warning"),
// so that a line's level is a value the configuration accepts.
class LevelName final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    std::string_view name = spelling(message.level);
    out.append(name.data(), name.data() + name.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LevelName>(); }

 private:
  static std::string_view spelling(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace: return "trace";
      case spdlog::level::debug: return "debug";
      case spdlog::level::info: return "info";
      case spdlog::level::warn: return "warn";
      case spdlog::level::err: return "error";
      case spdlog::level::critical: return "critical";
      default: return "off";
    }
  }
};

std::unique_ptr<spdlog::formatter> line_format() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelName>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%*%$ %n %v");
  return formatter;
}

spdlog::level::level_enum& current_level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

}  // namespace

bool set_level(std::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return false;
  }

  std::lock_guard lock(registry_mutex());
  current_level() = parsed;
  spdlog::apply_all([parsed](const std::shared_ptr<spdlog::logger>& logger) {
    logger->set_level(parsed);
  });
  return true;
}

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  std::lock_guard lock(registry_mutex());
  std::string name(component);
  if (auto existing = spdlog::get(name)) {
    return existing;
  }

  auto logger = spdlog::stderr_color_mt(name);
  logger->set_formatter(line_format());
  logger->set_level(current_level());
  return logger;
}

}  // namespace careid::log
