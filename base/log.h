// Logging set-up: one named spdlog logger per component ("directory", "federation",
// "pki", "sus", "provisioning") writing key=value context to stderr.
//
// Levels: error (failing at its job, needs an operator), warn (degraded or suspicious),
// info (lifecycle), debug (per request). Never pass a password, key, cookie, code,
// token or whole assertion to a logger.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace careid::log {

// Sets the level of every careid logger. `level` is one of trace, debug, info, warn,
// error, off; returns false and leaves the level alone for any other value.
bool set_level(std::string_view level);

// Returns the logger for `component`, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> get(std::string_view component);

}  // namespace careid::log
