// application/x-www-form-urlencoded parameters, as OAuth 2.0 sends them in query strings
// and token request bodies.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::federation::oidc {

using Parameters = std::map<std::string, std::string, std::less<>>;

// Most parameters one request may carry; more is InvalidArgument.
inline constexpr std::size_t kMaxParameters = 64;

// Parses "a=1&b=2". RFC 6749 3.1: a parameter without a value is treated as omitted, and a
// parameter given twice is InvalidArgument (the message names it). Bad percent-encoding is
// InvalidArgument.
Result<Parameters> parse_form(std::string_view text);

// Returns the value of `name`, or an empty view when it is absent.
std::string_view parameter(const Parameters& parameters, std::string_view name);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string form_encode(std::string_view text);

// True when `content_type` is application/x-www-form-urlencoded, with or without
// parameters such as charset; case-insensitive.
bool is_form_content_type(std::string_view content_type);

// Appends "name=value" pairs to `url` with '?' or '&' as its query requires.
std::string append_query(std::string url, const Parameters& parameters);

}  // namespace careid::federation::oidc
