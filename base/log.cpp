#include "base/log.h"

#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace careid::log {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
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
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %n %v");
  logger->set_level(current_level());
  return logger;
}

}  // namespace careid::log
