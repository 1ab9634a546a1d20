#include "sus/api/http/bearer.h"

#include <cctype>

#include "base/log.h"

namespace careid::sus::api::http {
namespace {

using federation::Person;
using federation::RoleProfile;
using federation::oidc::Json;
using federation::oidc::OidcReply;

constexpr std::string_view kScheme = "bearer ";

// RFC 6750 2.1: "Bearer" (case-insensitive, RFC 7235 2.1), one space, then the token.
std::string_view bearer_token(std::string_view authorization) {
  if (authorization.size() <= kScheme.size()) {
    return {};
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return {};
    }
  }
  return authorization.substr(kScheme.size());
}

ApiReply challenge(std::string_view error, std::string_view message) {
  ApiReply reply = error_reply(401, error.empty() ? "unauthorized" : error, message);
  reply.www_authenticate = "Bearer realm=\"careid\"";
  if (!error.empty()) {
    reply.www_authenticate += ", error=\"" + std::string(error) + "\"";
  }
  return reply;
}

ApiReply insufficient(std::string_view message) {
  ApiReply reply = error_reply(403, "insufficient_scope", message);
  reply.www_authenticate = "Bearer realm=\"careid\", error=\"insufficient_scope\"";
  return reply;
}

// Chooses the role profile named by the token or the header, or the only one.
Result<const RoleProfile*, ApiReply> select_role(const Person& person, std::string_view from_token,
                                                 std::string_view from_header) {
  if (!from_token.empty() && !from_header.empty() && from_token != from_header) {
    return insufficient("NHSD-Session-URID differs from the token's selected_roleid; a new login "
                        "is needed to change role");
  }
  std::string_view requested = from_token.empty() ? from_header : from_token;
  if (requested.empty()) {
    if (person.roles.size() == 1) {
      return &person.roles.front();
    }
    if (person.roles.empty()) {
      return insufficient("user " + person.uid + " has no active role profile");
    }
    std::string ids;
    for (const RoleProfile& role : person.roles) {
      ids += (ids.empty() ? "" : ", ") + role.id;
    }
    return error_reply(400, "invalid_request", "user " + person.uid + " has " +
                                                   std::to_string(person.roles.size()) +
                                                   " active role profiles; send NHSD-Session-URID with one of " + ids);
  }
  for (const RoleProfile& role : person.roles) {
    if (role.id == requested) {
      return &role;
    }
  }
  return insufficient("role profile '" + std::string(requested.substr(0, 32)) +
                      "' is not an active role profile of user " + person.uid);
}

}  // namespace

Result<Principal, ApiReply> BearerAuthenticator::authenticate(std::string_view authorization,
                                                              std::string_view role_header) const {
  std::string_view token = bearer_token(authorization);
  if (token.empty()) {
    return challenge("", "a bearer access token from careid's OpenID provider is required");
  }
  Result<Json, OidcReply> claims = provider_.verify_access_token(token);
  if (!claims.ok()) {
    return challenge("invalid_token", "the access token is invalid, expired, revoked or not careid's");
  }

  const std::string uid = claims->value("uid", "");
  if (uid.empty()) {
    return insufficient("the token names no user: client credentials tokens are not accepted, "
                        "and a user's token needs the profile or nationalrbacaccess scope");
  }
  Result<std::optional<Person>> person = people_.find_person(uid);
  if (!person.ok()) {
    log::get("sus")->error("api directory read failed uid={}: {}", uid, person.status().message());
    return error_reply(503, "unavailable", "the directory cannot be read; try again later");
  }
  if (!person->has_value()) {
    return challenge("invalid_token", "the token's user is no longer in the directory");
  }

  const Json selected = claims->value("selected_roleid", Json());
  std::string from_token = selected.is_string() ? selected.get<std::string>() : "";
  Result<const RoleProfile*, ApiReply> role = select_role(**person, from_token, role_header);
  if (!role.ok()) {
    return role.error();
  }
  Principal caller{uid, (*role)->id, (*role)->org_code, {}};
  for (const federation::RoleActivity& activity : (*role)->activities) {
    caller.activity_codes.push_back(activity.code);
  }
  return caller;
}

}  // namespace careid::sus::api::http
