#include "sus/api/detail/requests.h"

#include "base/log.h"
#include "sus/tariff/tariff.h"

namespace careid::sus::api::detail {

ApiReply json_reply(const nlohmann::json& body, int status) {
  ApiReply reply;
  reply.status = status;
  // Messages echo request values, which may be invalid UTF-8; dump() would throw on those.
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

ApiReply status_reply(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return error_reply(404, "not_found", status.message());
    case StatusCode::kInvalidArgument:
      return error_reply(400, "invalid_request", status.message());
    case StatusCode::kResourceExhausted:
      return error_reply(413, "too_large", status.message());
    case StatusCode::kPermissionDenied:
      return error_reply(403, "forbidden", status.message());
    default:
      log::get("sus")->error("api store error: {}", status.message());
      return error_reply(503, "unavailable", "the SUS store cannot be read or written; try again later");
  }
}

ApiReply forbidden(std::string_view message) {
  ApiReply reply = error_reply(403, "forbidden", message);
  reply.www_authenticate = "Bearer realm=\"careid\", error=\"insufficient_scope\"";
  return reply;
}

Result<std::string> parse_year(std::string_view text) {
  std::string year(text);
  if (year.size() == 9 && (year.substr(4, 3) == "%2F" || year.substr(4, 3) == "%2f")) {
    year = year.substr(0, 4) + "/" + year.substr(7);
  } else if (year.size() == 7 && year[4] == '-') {
    year[4] = '/';
  }
  if (!tariff::is_financial_year(year)) {
    return Status::invalid_argument("invalid year '" + std::string(text.substr(0, 32)) +
                                    "'; expected a financial year such as 2015-16");
  }
  return year;
}

std::string_view parameter(const ApiRequest& request, std::string_view name) {
  auto found = request.parameters.find(name);
  return found == request.parameters.end() ? std::string_view() : std::string_view(found->second);
}

}  // namespace careid::sus::api::detail
