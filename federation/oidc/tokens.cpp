// Token issuance (OIDC Core 2 and 3.1.3.3, RFC 9068) and the endpoints that take a bearer
// access token: userinfo (OIDC Core 5.3, RFC 6750) and introspection (RFC 7662).
#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "federation/oidc/claims.h"
#include "federation/oidc/provider.h"
#include "pki/digest.h"

namespace careid::federation::oidc {
namespace {

constexpr std::string_view kAccessTokenType = "at+jwt";  // RFC 9068 2.1
constexpr std::string_view kIdTokenType = "JWT";
constexpr std::size_t kTokenIdBytes = 16;

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const std::string& scope : scopes) {
    joined += (joined.empty() ? "" : " ") + scope;
  }
  return joined;
}

// RFC 6750 3: a missing token gets a bare challenge, a rejected one an error code.
OidcReply bearer_challenge(std::string_view error, std::string_view description) {
  OidcReply reply;
  reply.status = 401;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = "A bearer access token is required.\n";
  reply.www_authenticate = "Bearer realm=\"careid\"";
  if (!error.empty()) {
    reply = oauth_error(401, error, description);
    reply.www_authenticate = "Bearer realm=\"careid\", error=\"" + std::string(error) + "\"";
  }
  return reply;
}

std::string_view bearer_token(std::string_view authorization) {
  if (authorization.size() < 7) {
    return {};
  }
  std::string scheme(authorization.substr(0, 7));
  for (char& c : scheme) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme == "bearer " ? authorization.substr(7) : std::string_view();
}

}  // namespace

OidcReply Provider::issue_tokens(const AuthorizationGrant& grant, const Client& client,
                                 const IssueOptions& options) const {
  // RFC 9068 2.2: a token for the client itself (client credentials) has its client_id as sub.
  Result<std::string> subject = grant.uid.empty() ? Result<std::string>(client.client_id)
                                                  : pairwise_subject(client.client_id, grant.uid);
  Result<pki::Bytes> token_id = pki::random_bytes(kTokenIdBytes);
  if (!subject.ok() || !token_id.ok()) {
    log::get("federation")->error("oidc token claims failed: {}",
                                  subject.ok() ? token_id.status().message()
                                               : subject.status().message());
    return oauth_error(500, "server_error", "tokens could not be issued");
  }
  const auto now = clock_();
  const std::int64_t issued = seconds_since_epoch(now);

  Json common = {{"iss", settings_.issuer}, {"sub", *subject}, {"iat", issued}};
  if (!grant.uid.empty()) {
    common["auth_time"] = seconds_since_epoch(grant.auth_time);
    add_authentication_claims(grant.method, common);
  }

  Json access_claims = common;
  access_claims["aud"] = endpoint("/oidc/userinfo");
  access_claims["client_id"] = client.client_id;
  access_claims["scope"] = join_scopes(grant.scopes);
  access_claims["jti"] = base64url_encode(*token_id);
  access_claims["exp"] = issued + settings_.access_token_lifetime.count();
  if (scopes_release_uid(grant.scopes) && !grant.uid.empty()) {
    access_claims["uid"] = grant.uid;
  }
  // The SSO session's role, so that a resource server such as the SUS API acts in it.
  if (!grant.role_profile_id.empty() && access_claims.contains("uid")) {
    access_claims["selected_roleid"] = grant.role_profile_id;
  }
  Result<std::string> access_token = sign_jwt(keys_.signing_key(), kAccessTokenType, access_claims);
  if (!access_token.ok()) {
    log::get("federation")->error("oidc token signing failed: {}", access_token.status().message());
    return oauth_error(500, "server_error", "tokens could not be signed");
  }
  if (!options.family.empty()) {
    tokens_.add_access_token(options.family, access_claims["jti"].get<std::string>(),
                             now + settings_.access_token_lifetime);
  }

  Json response = {{"access_token", *access_token},
                   {"token_type", "Bearer"},
                   {"expires_in", settings_.access_token_lifetime.count()},
                   {"scope", access_claims["scope"]}};
  if (options.id_token) {
    Json id_claims = common;
    id_claims["aud"] = client.client_id;
    id_claims["azp"] = client.client_id;
    id_claims["exp"] = issued + settings_.id_token_lifetime.count();
    if (options.nonce && !grant.nonce.empty()) {
      id_claims["nonce"] = grant.nonce;
    }
    // Back-Channel Logout 1.0 2.1: the sid of the SSO session, which logout tokens repeat.
    if (!grant.sid.empty()) {
      id_claims["sid"] = grant.sid;
    }
    // The role chosen for the SSO session, named as NHS CIS2 names it.
    if (!grant.role_profile_id.empty()) {
      id_claims["selected_roleid"] = grant.role_profile_id;
    }
    Result<std::string> id_token = sign_jwt(keys_.signing_key(), kIdTokenType, id_claims);
    if (!id_token.ok()) {
      log::get("federation")->error("oidc token signing failed: {}", id_token.status().message());
      return oauth_error(500, "server_error", "tokens could not be signed");
    }
    response["id_token"] = *id_token;
  }
  if (options.refresh_token) {
    // A refresh token ends with the SSO session at the latest, so a family lasts no longer
    // than the login it came from.
    auto refresh_expires = now + settings_.refresh_token_lifetime;
    if (grant.session_expires != TimePoint{}) {
      refresh_expires = std::min(refresh_expires, grant.session_expires);
    }
    Result<std::string> refresh_token =
        tokens_.issue_refresh_token(options.family, refresh_expires);
    if (!refresh_token.ok()) {
      log::get("federation")->warn("oidc refresh token not issued: {}",
                                   refresh_token.status().message());
      return oauth_error(400, "invalid_grant", "the grant was revoked while tokens were issued");
    }
    response["refresh_token"] = *refresh_token;
  }

  OidcReply reply;
  reply.body = response.dump();
  return reply;
}

Result<Json, OidcReply> Provider::verify_access_token(std::string_view token) const {
  std::vector<pki::JwsAlgorithm> allowed = keys_.algorithms();
  Result<VerifiedJwt> verified = verify_jwt(keys_, token, kAccessTokenType, allowed);
  if (!verified.ok()) {
    return bearer_challenge("invalid_token", "the access token is not valid");
  }
  const Json& claims = verified->claims;
  auto exp = claims.find("exp");
  bool current = exp != claims.end() && exp->is_number_integer() &&
                 exp->get<std::int64_t>() > seconds_since_epoch(clock_());
  bool ours = claims.value("iss", "") == settings_.issuer &&
              claims.value("aud", "") == endpoint("/oidc/userinfo");
  if (!current || !ours) {
    return bearer_challenge("invalid_token", "the access token is expired or not for careid");
  }
  if (tokens_.is_access_token_revoked(claims.value("jti", ""), clock_())) {
    return bearer_challenge("invalid_token", "the access token was revoked");
  }
  return claims;
}

OidcReply Provider::userinfo(const OidcRequest& request) const {
  std::string_view token = bearer_token(request.authorization);
  if (token.empty()) {
    return bearer_challenge("", "");
  }
  Result<Json, OidcReply> claims = verify_access_token(token);
  if (!claims.ok()) {
    return claims.error();
  }

  std::vector<std::string> scopes = split_scopes(claims->value("scope", ""));
  if (!has_scope(scopes, kScopeOpenId)) {
    // RFC 6750 3.1: a valid token without the scope the resource needs is 403.
    OidcReply reply = oauth_error(403, "insufficient_scope", "userinfo needs the openid scope");
    reply.www_authenticate = "Bearer realm=\"careid\", error=\"insufficient_scope\"";
    return reply;
  }
  Json info = {{"sub", claims->value("sub", "")}};
  if (scopes_release_uid(scopes)) {
    Result<std::optional<Person>> person = source_.find_person(claims->value("uid", ""));
    if (!person.ok()) {
      log::get("federation")->error("oidc userinfo directory read failed: {}",
                                    person.status().message());
      return oauth_error(503, "temporarily_unavailable", "the directory cannot be read");
    }
    if (!person->has_value()) {
      return bearer_challenge("invalid_token", "the person is no longer in the directory");
    }
    add_person_claims(**person, scopes, info);
  }
  if (claims->contains("selected_roleid")) {
    info["selected_roleid"] = claims->value("selected_roleid", "");
  }
  // The login method's claims, copied from the access token, so that userinfo states the
  // same assurance level as the ID token.
  for (const char* name : {"acr", "amr", "authentication_assurance_level"}) {
    if (claims->contains(name)) {
      info[name] = claims->at(name);
    }
  }

  OidcReply reply;
  reply.body = info.dump();
  return reply;
}

OidcReply Provider::introspect(const OidcRequest& request) const {
  Result<AuthenticatedClient, OidcReply> authenticated = authenticate_client(request);
  if (!authenticated.ok()) {
    return authenticated.error();
  }
  // RFC 7662 2.1: the protected resource must authenticate; public clients cannot.
  const Client& client = *authenticated->client;
  if (client.is_public()) {
    return oauth_error(401, "invalid_client", "public clients cannot introspect");
  }
  std::string_view token = parameter(authenticated->parameters, "token");
  if (token.empty()) {
    return oauth_error(400, "invalid_request", "token is missing");
  }

  // RFC 7662 2.2: every token that is not valid for this caller is just inactive. A client
  // sees only its own tokens, so that no client can probe another's.
  OidcReply reply;
  reply.body = Json{{"active", false}}.dump();
  Result<Json, OidcReply> claims = verify_access_token(token);
  if (!claims.ok() || claims->value("client_id", "") != client.client_id) {
    return reply;
  }
  Json answer = {{"active", true}, {"token_type", "Bearer"}};
  for (const char* name : {"scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti"}) {
    if (claims->contains(name)) {
      answer[name] = claims->at(name);
    }
  }
  reply.body = answer.dump();
  return reply;
}

OidcReply Provider::revoke(const OidcRequest& request, std::string_view peer) const {
  auto log = log::get("federation");
  Result<AuthenticatedClient, OidcReply> authenticated = authenticate_client(request);
  if (!authenticated.ok()) {
    log->warn("oidc endpoint=revoke outcome=client_rejected {}", peer);
    return authenticated.error();
  }
  const Client& client = *authenticated->client;
  std::string_view token = parameter(authenticated->parameters, "token");
  if (token.empty()) {
    return oauth_error(400, "invalid_request", "token is missing");
  }

  // RFC 7009 2.2: the reply is 200 also for unknown, expired and foreign tokens, so that it
  // reveals nothing. token_type_hint only speeds up a search, so both kinds are tried.
  OidcReply reply;
  reply.content_type = "text/plain; charset=utf-8";
  const auto now = clock_();
  if (tokens_.revoke_refresh_token(token, client.client_id, now)) {
    log->info("oidc endpoint=revoke outcome=refresh_token_revoked client_id={} {}",
              client.client_id, peer);
    return reply;
  }
  Result<Json, OidcReply> claims = verify_access_token(token);
  if (claims.ok() && claims->value("client_id", "") == client.client_id) {
    std::int64_t exp = claims->value("exp", std::int64_t{0});
    tokens_.revoke_access_token(claims->value("jti", ""),
                                std::chrono::system_clock::time_point(std::chrono::seconds(exp)));
    log->info("oidc endpoint=revoke outcome=access_token_revoked client_id={} {}",
              client.client_id, peer);
    return reply;
  }
  log->info("oidc endpoint=revoke outcome=token_unknown client_id={} {}", client.client_id, peer);
  return reply;
}

}  // namespace careid::federation::oidc
