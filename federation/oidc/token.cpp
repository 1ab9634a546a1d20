// Client authentication (RFC 6749 2.3) and the token endpoint (RFC 6749 4.1.3, RFC 7636 4.6,
// OIDC Core 3.1.3).
#include <cctype>

#include "base/log.h"
#include "federation/oidc/provider.h"
#include "federation/saml/redirect_binding.h"
#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

// RFC 7636 4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] "-" "." "_" "~".
bool is_code_verifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) {
    return false;
  }
  for (char c : verifier) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                   c == '_' || c == '~';
    if (!allowed) {
      return false;
    }
  }
  return true;
}

bool verifier_matches(std::string_view verifier, std::string_view challenge) {
  Result<pki::Bytes> digest = pki::sha256(pki::as_bytes(verifier));
  if (!digest.ok()) {
    return false;
  }
  std::string computed = base64url_encode(*digest);
  return pki::constant_time_equal(pki::as_bytes(computed), pki::as_bytes(challenge));
}

// RFC 6749 5.2: a failed client authentication is 401 with a challenge for the scheme the
// client tried.
OidcReply invalid_client(bool used_basic) {
  OidcReply reply = oauth_error(401, "invalid_client", "client authentication failed");
  reply.www_authenticate = used_basic ? "Basic realm=\"careid\"" : "";
  return reply;
}

struct BasicCredentials {
  std::string id;
  std::string secret;
};

// RFC 6749 2.3.1: the id and secret are form-encoded before they are joined with ':'.
std::optional<BasicCredentials> parse_basic(std::string_view authorization) {
  if (authorization.size() < 6) {
    return std::nullopt;
  }
  std::string scheme(authorization.substr(0, 6));
  for (char& c : scheme) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (scheme != "basic ") {
    return std::nullopt;
  }
  Result<pki::Bytes> decoded = pki::base64_decode(authorization.substr(6));
  if (!decoded.ok()) {
    return BasicCredentials{};
  }
  std::string text = pki::to_string(*decoded);
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return BasicCredentials{};
  }
  Result<std::string> id = saml::url_decode(std::string_view(text).substr(0, colon));
  Result<std::string> secret = saml::url_decode(std::string_view(text).substr(colon + 1));
  if (!id.ok() || !secret.ok()) {
    return BasicCredentials{};
  }
  return BasicCredentials{std::move(*id), std::move(*secret)};
}

}  // namespace

Result<Provider::AuthenticatedClient, OidcReply> Provider::authenticate_client(
    const OidcRequest& request) const {
  if (!is_form_content_type(request.content_type)) {
    return oauth_error(400, "invalid_request",
                       "the body must be application/x-www-form-urlencoded");
  }
  Result<Parameters> parameters = parse_form(request.body);
  if (!parameters.ok()) {
    return oauth_error(400, "invalid_request", parameters.status().message());
  }
  std::string_view body_id = parameter(*parameters, "client_id");
  std::string_view body_secret = parameter(*parameters, "client_secret");

  std::optional<BasicCredentials> basic = parse_basic(request.authorization);
  if (has_client_assertion(*parameters)) {
    // RFC 6749 2.3: a client must not use more than one authentication method per request.
    if (basic || !body_secret.empty()) {
      return oauth_error(400, "invalid_request", "use one client authentication method");
    }
    Result<const Client*, std::string> client = authenticate_by_assertion(*parameters);
    if (!client.ok()) {
      log::get("federation")->warn("oidc client assertion rejected: {}", client.error());
      return invalid_client(false);
    }
    return AuthenticatedClient{*client, std::move(*parameters)};
  }
  if (basic) {
    // RFC 6749 2.3: a client must not use more than one authentication method per request.
    if (!body_secret.empty() || (!body_id.empty() && body_id != basic->id)) {
      return oauth_error(400, "invalid_request", "use one client authentication method");
    }
    const Client* client = clients().find(basic->id);
    if (client == nullptr || client->auth_method != ClientAuthMethod::kClientSecretBasic ||
        !client->secret_matches(basic->secret)) {
      return invalid_client(true);
    }
    return AuthenticatedClient{client, std::move(*parameters)};
  }

  const Client* client = clients().find(body_id);
  if (client == nullptr) {
    return invalid_client(false);
  }
  bool authenticated = body_secret.empty()
                           ? client->is_public()
                           : client->auth_method == ClientAuthMethod::kClientSecretPost &&
                                 client->secret_matches(body_secret);
  if (!authenticated) {
    return invalid_client(false);
  }
  return AuthenticatedClient{client, std::move(*parameters)};
}

OidcReply Provider::token(const OidcRequest& request, std::string_view peer) const {
  auto log = log::get("federation");
  Result<AuthenticatedClient, OidcReply> authenticated = authenticate_client(request);
  if (!authenticated.ok()) {
    log->warn("oidc endpoint=token outcome=client_rejected {}", peer);
    return authenticated.error();
  }
  const Client& client = *authenticated->client;
  const Parameters& parameters = authenticated->parameters;

  std::string_view grant_type = parameter(parameters, "grant_type");
  if (grant_type.empty()) {
    log->warn("oidc endpoint=token outcome=invalid_request client_id={} {}", client.client_id,
              peer);
    return oauth_error(400, "invalid_request", "grant_type is missing");
  }
  bool known = grant_type == kGrantAuthorizationCode || grant_type == kGrantRefreshToken ||
               grant_type == kGrantClientCredentials;
  if (!known) {
    log->warn("oidc endpoint=token outcome=unsupported_grant_type client_id={} {}",
              client.client_id, peer);
    return oauth_error(400, "unsupported_grant_type",
                       "grant_type must be authorization_code, refresh_token or "
                       "client_credentials");
  }
  if (!client.allows_grant(grant_type)) {
    log->warn("oidc endpoint=token outcome=unauthorized_client client_id={} grant_type={} {}",
              client.client_id, grant_type, peer);
    return oauth_error(400, "unauthorized_client",
                       "the client's registration does not allow grant_type " +
                           std::string(grant_type));
  }

  if (grant_type == kGrantRefreshToken) {
    return refresh(client, parameters, peer);
  }
  if (grant_type == kGrantClientCredentials) {
    return client_credentials(client, parameters, peer);
  }
  return redeem_code(client, parameters, peer);
}

OidcReply Provider::redeem_code(const Client& client, const Parameters& parameters,
                                std::string_view peer) const {
  auto log = log::get("federation");
  auto reject = [&](std::string_view error, std::string_view description) {
    log->warn("oidc endpoint=token outcome={} client_id={} {}", error, client.client_id, peer);
    return oauth_error(400, error, description);
  };
  std::string_view code = parameter(parameters, "code");
  if (code.empty()) {
    return reject("invalid_request", "code is missing");
  }

  // take() removes the code before the remaining checks, so a code presented with a wrong
  // verifier or redirect_uri is spent and cannot be tried again.
  const auto now = clock_();
  std::optional<AuthorizationGrant> grant = codes_.take(code, now);
  if (!grant || grant->client_id != client.client_id) {
    // RFC 6749 4.1.2: a code presented twice revokes the tokens already issued for it.
    if (!grant && tokens_.revoke_code_family(code, now)) {
      log->warn("oidc endpoint=token outcome=code_reused tokens_revoked=true client_id={} {}",
                client.client_id, peer);
    }
    return reject("invalid_grant", "the code is invalid, expired or already used");
  }
  if (parameter(parameters, "redirect_uri") != grant->redirect_uri) {
    return reject("invalid_grant", "redirect_uri does not match the authorization request");
  }

  std::string_view verifier = parameter(parameters, "code_verifier");
  if (grant->code_challenge.empty()) {
    // A verifier without a challenge would let an attacker strip PKCE from the request.
    if (!verifier.empty()) {
      return reject("invalid_grant", "code_verifier sent but the request had no code_challenge");
    }
  } else if (!is_code_verifier(verifier) || !verifier_matches(verifier, grant->code_challenge)) {
    return reject("invalid_grant", "code_verifier does not match the code_challenge");
  }

  Result<std::string> family = tokens_.start_family(*grant, code, now,
                                                      now + settings_.access_token_lifetime);
  if (!family.ok()) {
    log->warn("oidc endpoint=token outcome=temporarily_unavailable client_id={}: {}",
              client.client_id, family.status().message());
    return oauth_error(503, "temporarily_unavailable", "try again in a minute");
  }
  // After start_family, so that a logout between the two steps still finds the family.
  if (!bind_to_session(*grant)) {
    tokens_.revoke_session(grant->sid, now);
    return reject("invalid_grant", "the sign-in session of this code has ended");
  }
  IssueOptions options;
  options.family = *family;
  options.refresh_token = client.allows_grant(kGrantRefreshToken) &&
                          (client.refresh_tokens == RefreshTokenPolicy::kAlways ||
                           has_scope(grant->scopes, kScopeOfflineAccess));
  OidcReply reply = issue_tokens(*grant, client, options);
  if (reply.status == 200) {
    record_token_event(client, *grant, kGrantAuthorizationCode, peer);
  }
  return reply;
}

void Provider::record_token_event(const Client& client, const AuthorizationGrant& grant,
                                  std::string_view grant_type, std::string_view peer) const {
  log::get("federation")
      ->info("oidc endpoint=token outcome=tokens_issued client_id={} grant_type={} uid={} {}",
             client.client_id, grant_type, grant.uid, peer);
  audit::Event event;
  event.type = "oidc.token";
  event.actor = client.client_id;
  event.subject = grant.uid.empty() ? client.client_id : grant.uid;
  event.client = audit::peer_address(peer);
  event.details = {{"client_id", client.client_id},
                   {"grant_type", std::string(grant_type)},
                   {"scopes", grant.scopes}};
  audit_.record(std::move(event));
}

}  // namespace careid::federation::oidc
