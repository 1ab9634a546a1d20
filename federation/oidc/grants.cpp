// The refresh token grant (RFC 6749 6, OIDC Core 12) and the client credentials grant
// (RFC 6749 4.4) of the token endpoint.
#include <algorithm>

#include "base/log.h"
#include "federation/oidc/provider.h"

namespace careid::federation::oidc {
namespace {

// Scopes that name the signed-in user. A service token acts for the client alone.
bool is_user_scope(std::string_view scope) {
  return scope == kScopeOpenId || scope == kScopeOfflineAccess;
}

bool has_role(const Person& person, std::string_view role_profile_id) {
  return std::any_of(person.roles.begin(), person.roles.end(),
                     [&](const RoleProfile& role) { return role.id == role_profile_id; });
}

}  // namespace

OidcReply Provider::refresh(const Client& client, const Parameters& parameters,
                            std::string_view peer) const {
  auto log = log::get("federation");
  auto reject = [&](std::string_view outcome, std::string_view error,
                    std::string_view description) {
    log->warn("oidc endpoint=token grant_type=refresh_token outcome={} client_id={} {}", outcome,
              client.client_id, peer);
    return oauth_error(400, error, description);
  };
  std::string_view token = parameter(parameters, "refresh_token");
  if (token.empty()) {
    return reject("invalid_request", "invalid_request", "refresh_token is missing");
  }

  RefreshResult used = tokens_.use_refresh_token(token, client.client_id, clock_());
  if (used.outcome == RefreshOutcome::kReused) {
    return reject("refresh_token_reused family_revoked=true", "invalid_grant",
                  "the refresh token was already used; every token of this grant is revoked");
  }
  if (used.outcome != RefreshOutcome::kRotated) {
    return reject("invalid_grant", "invalid_grant",
                  "the refresh token is invalid, expired, revoked or not for this client");
  }

  // The grant keeps the session's role, so a refresh cannot change it: that takes a new
  // login. It also ends with the session.
  AuthorizationGrant grant = used.grant;
  if (grant.session_expires != TimePoint{} && grant.session_expires <= clock_()) {
    return reject("session_expired", "invalid_grant",
                  "the sign-in session has reached its absolute timeout; sign in again");
  }

  // RFC 6749 6: the client may narrow the scopes but never widen the original grant.
  std::string_view requested = parameter(parameters, "scope");
  if (!requested.empty()) {
    std::vector<std::string> scopes = split_scopes(requested);
    for (const std::string& scope : scopes) {
      if (!has_scope(grant.scopes, scope)) {
        return reject("invalid_scope", "invalid_scope",
                      "scope " + scope.substr(0, 64) + " was not granted originally");
      }
    }
    grant.scopes = std::move(scopes);
  }

  // A person removed from the directory keeps no access through old refresh tokens.
  Result<std::optional<Person>> person = source_.find_person(grant.uid);
  if (!person.ok()) {
    log->error("oidc refresh directory read failed: {}", person.status().message());
    return oauth_error(503, "temporarily_unavailable", "the directory cannot be read");
  }
  if (!person->has_value()) {
    return reject("person_not_found", "invalid_grant", "the person is no longer in the directory");
  }
  if (!grant.role_profile_id.empty() && !has_role(**person, grant.role_profile_id)) {
    return reject("role_ended", "invalid_grant",
                  "the role of this sign-in is no longer active; sign in again");
  }

  IssueOptions options;
  options.family = used.family;
  options.id_token = has_scope(grant.scopes, kScopeOpenId);
  options.refresh_token = true;
  options.nonce = false;  // OIDC Core 12.2: a refreshed ID token carries no nonce
  OidcReply reply = issue_tokens(grant, client, options);
  if (reply.status == 200) {
    record_token_event(client, grant, kGrantRefreshToken, peer);
  }
  return reply;
}

OidcReply Provider::client_credentials(const Client& client, const Parameters& parameters,
                                       std::string_view peer) const {
  auto reject = [&](std::string_view description) {
    log::get("federation")
        ->warn("oidc endpoint=token grant_type=client_credentials outcome=invalid_scope "
               "client_id={} {}",
               client.client_id, peer);
    return oauth_error(400, "invalid_scope", description);
  };
  // Registration rejects this grant for public clients. It is checked again so that a registry
  // built in code cannot hand out service tokens without authentication.
  if (client.is_public()) {
    return oauth_error(400, "unauthorized_client", "public clients cannot use client_credentials");
  }

  AuthorizationGrant grant;
  grant.client_id = client.client_id;
  grant.scopes = split_scopes(parameter(parameters, "scope"));
  if (grant.scopes.empty()) {
    for (const std::string& scope : client.scopes) {
      if (!is_user_scope(scope)) {
        grant.scopes.push_back(scope);
      }
    }
  }
  for (const std::string& scope : grant.scopes) {
    if (is_user_scope(scope) || !client.allows_scope(scope)) {
      return reject("scope " + scope.substr(0, 64) +
                    " is not available to this client with client_credentials");
    }
  }

  IssueOptions options;
  options.id_token = false;  // no user signed in, so there is nothing for an ID token to say
  OidcReply reply = issue_tokens(grant, client, options);
  if (reply.status == 200) {
    record_token_event(client, grant, kGrantClientCredentials, peer);
  }
  return reply;
}

}  // namespace careid::federation::oidc
