// Helpers shared by the SUS API handlers: replies, path years and the store's years.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sus/api/api.h"

namespace careid::sus::api::detail {

ApiReply json_reply(const nlohmann::json& body, int status = 200);

// Maps a Status to a reply: kNotFound 404, kInvalidArgument 400, kResourceExhausted 413,
// kPermissionDenied 403. Any other code is a storage error: it is logged, and the reply is
// 503 with a generic message.
ApiReply status_reply(const Status& status);

// Builds a 403 for a valid token without the right the path needs; RFC 6750 3.1 names that
// case insufficient_scope.
ApiReply forbidden(std::string_view message);

// Reads a financial year written "2015-16", "2015/16" or "2015%2F16" and returns "2015/16".
Result<std::string> parse_year(std::string_view text);

// Returns the request's `name` parameter, or "" when it is absent.
std::string_view parameter(const ApiRequest& request, std::string_view name);

}  // namespace careid::sus::api::detail
