// SAML time values (SAML Core 1.3.3): xs:dateTime in UTC, written with a trailing 'Z'.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace careid::federation::saml {

// "2026-01-31T09:30:00Z", truncated to whole seconds.
std::string format_instant(std::chrono::system_clock::time_point time);

// Parses "YYYY-MM-DDThh:mm:ss[.fraction][Z]"; the fraction is ignored. Returns nullopt for
// anything else, including an offset other than Z and out-of-range fields.
std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view text);

}  // namespace careid::federation::saml
