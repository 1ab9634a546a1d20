#include "sus/api/api.h"

#include <vector>

#include "sus/api/detail/requests.h"
#include "sus/api/spell_json.h"

namespace careid::sus::api {
namespace {

using detail::forbidden;
using detail::json_reply;
using detail::parse_year;
using detail::status_reply;

// Maximum number of path segments of any route. A longer path is 404 without further splitting.
constexpr std::size_t kMaxSegments = 4;

std::vector<std::string_view> split_path(std::string_view rest) {
  std::vector<std::string_view> segments;
  while (!rest.empty() && segments.size() <= kMaxSegments) {
    std::size_t slash = rest.find('/');
    segments.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return segments;
}

ApiReply method_not_allowed(std::string_view allow) {
  ApiReply reply = error_reply(405, "method_not_allowed", "this path takes " + std::string(allow));
  reply.allow = std::string(allow);
  return reply;
}

}  // namespace

ApiReply error_reply(int status, std::string_view error, std::string_view message) {
  return json_reply({{"error", error}, {"message", message}}, status);
}

SusApi::SusApi(storage::SusStore& store, ApiSettings settings, YearCache::Clock clock)
    : store_(store), settings_(std::move(settings)), cache_(settings_.cache_ttl, std::move(clock)) {}

ApiReply SusApi::handle(const ApiRequest& request, const Principal& caller) const {
  std::string_view path = request.path;
  if (!path.starts_with(kPrefix)) {
    return error_reply(404, "not_found", "the SUS API paths start with /sus/v1/");
  }
  if (request.body.size() > settings_.limits.max_body_bytes) {
    return error_reply(413, "too_large", "the body has " + std::to_string(request.body.size()) +
                                             " bytes, more than sus.max_body_bytes (" +
                                             std::to_string(settings_.limits.max_body_bytes) + ")");
  }
  const std::vector<std::string_view> s = split_path(path.substr(kPrefix.size()));
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";

  if (s.size() == 4 && s[0] == "tariffs" && s[2] == "hrgs") {
    return get ? tariff_lookup(s[1], s[3], caller) : method_not_allowed("GET");
  }
  if (s.size() == 3 && s[0] == "tariffs" && s[2] == "price") {
    return post ? price(request, s[1], caller) : method_not_allowed("POST");
  }
  if (s.size() == 1 && s[0] == "spells") {
    return post ? submit(request, caller) : method_not_allowed("POST");
  }
  if (s.size() == 3 && s[0] == "spells") {
    return get ? stored_spell(request, s[1], s[2], caller) : method_not_allowed("GET");
  }
  if (s.size() == 3 && s[0] == "extracts" && (s[1] == "providers" || s[1] == "commissioners")) {
    if (!get) {
      return method_not_allowed("GET");
    }
    if (request.parameters.contains("provider") || request.parameters.contains("commissioner")) {
      return error_reply(400, "invalid_request",
                         "provider and commissioner are query parameters of /sus/v1/extracts only");
    }
    bool by_provider = s[1] == "providers";
    return extract(request, by_provider ? s[2] : "", by_provider ? "" : s[2], caller);
  }
  if (s.size() == 1 && s[0] == "extracts") {
    return get ? extract(request, detail::parameter(request, "provider"),
                         detail::parameter(request, "commissioner"), caller)
               : method_not_allowed("GET");
  }
  return error_reply(404, "not_found", "no SUS API path " + std::string(path.substr(0, 200)) +
                                           "; see sus/api/openapi.yaml");
}

Result<std::string, ApiReply> SusApi::readable_year(std::string_view year_text,
                                                    const Principal& caller) const {
  if (!settings_.access.can_read(caller)) {
    return forbidden("the selected role has none of the SUS read activities (sus.read_activities)");
  }
  Result<std::string> year = parse_year(year_text);
  if (!year.ok()) {
    return status_reply(year.status());
  }
  return std::move(*year);
}

ApiReply SusApi::tariff_lookup(std::string_view year_text, std::string_view hrg,
                               const Principal& caller) const {
  Result<std::string, ApiReply> year = readable_year(year_text, caller);
  if (!year.ok()) {
    return year.error();
  }
  if (!tariff::is_hrg_code(hrg)) {
    return error_reply(400, "invalid_request",
                       "invalid HRG code '" + std::string(hrg.substr(0, 32)) +
                           "'; expected two letters, two digits and a letter such as DZ11N");
  }

  auto tariff = cache_.tariff(*year, [this](std::string_view y) {
    std::lock_guard lock(store_mutex_);
    return store_.load_tariff_year(y);
  });
  if (!tariff.ok()) {
    return status_reply(tariff.status());
  }
  const tariff::HrgPrice* price = (*tariff)->find(hrg);
  if (price == nullptr) {
    return error_reply(404, "not_found",
                       "HRG " + std::string(hrg) + " is not in the " + *year + " tariff");
  }
  Json body = hrg_price_to_json(*price);
  body["year"] = *year;
  return json_reply(body);
}

}  // namespace careid::sus::api
