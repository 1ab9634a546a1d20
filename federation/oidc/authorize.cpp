// The authorization endpoint (OIDC Core 3.1.2, RFC 6749 4.1.1, RFC 7636 4.3).
#include <algorithm>

#include "base/log.h"
#include "federation/oidc/provider.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::oidc {
namespace {

// Bounds on values the client echoes or we store per code.
constexpr std::size_t kMaxStateBytes = 1024;
constexpr std::size_t kMaxNonceBytes = 512;
// RFC 7636 4.2: an S256 challenge is BASE64URL(SHA-256(verifier)), 43 characters.
constexpr std::size_t kS256ChallengeBytes = 32;

struct AuthorizationError {
  std::string error;
  std::string description;
};

OidcReply bad_request_page(std::string_view reason) {
  OidcReply reply;
  reply.status = 400;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = "The authorization request was rejected.\n\n" + std::string(reason) + "\n";
  return reply;
}

OidcReply redirect(std::string location) {
  OidcReply reply;
  reply.status = 302;
  reply.content_type = "text/plain; charset=utf-8";
  reply.location = std::move(location);
  return reply;
}

// RFC 7636 4.3: without a method the challenge is "plain", which careid rejects because it
// gives no protection once the request is observed.
std::optional<AuthorizationError> check_pkce(const Client& client, const Parameters& parameters) {
  std::string_view challenge = parameter(parameters, "code_challenge");
  std::string_view method = parameter(parameters, "code_challenge_method");
  if (challenge.empty()) {
    if (client.is_public()) {
      return AuthorizationError{"invalid_request", "public clients must send a PKCE code_challenge"};
    }
    if (!method.empty()) {
      return AuthorizationError{"invalid_request", "code_challenge_method without code_challenge"};
    }
    return std::nullopt;
  }
  if (method != "S256") {
    return AuthorizationError{"invalid_request", "code_challenge_method must be S256"};
  }
  Result<std::string> decoded = base64url_decode(challenge);
  if (!decoded.ok() || decoded->size() != kS256ChallengeBytes) {
    return AuthorizationError{"invalid_request", "code_challenge is not a base64url SHA-256 value"};
  }
  return std::nullopt;
}

std::optional<AuthorizationError> check_scopes(const Client& client,
                                               const std::vector<std::string>& scopes) {
  if (!has_scope(scopes, kScopeOpenId)) {
    return AuthorizationError{"invalid_scope", "scope must include openid"};
  }
  for (const std::string& scope : scopes) {
    bool known = scope == kScopeOpenId || scope == kScopeProfile ||
                 scope == kScopeNationalRbac || scope == kScopeOfflineAccess;
    if (!known || !client.allows_scope(scope)) {
      return AuthorizationError{"invalid_scope", "scope " + scope.substr(0, 64) +
                                                     " is not available to this client"};
    }
  }
  return std::nullopt;
}

// Checks everything but the card, in the order of OIDC Core 3.1.2.2.
std::optional<AuthorizationError> check_request(const Client& client,
                                                const Parameters& parameters) {
  if (parameters.contains("request")) {
    return AuthorizationError{"request_not_supported", "request objects are not supported"};
  }
  if (parameters.contains("request_uri")) {
    return AuthorizationError{"request_uri_not_supported", "request_uri is not supported"};
  }
  std::string_view response_type = parameter(parameters, "response_type");
  if (response_type.empty()) {
    return AuthorizationError{"invalid_request", "response_type is missing"};
  }
  if (response_type != "code") {
    return AuthorizationError{"unsupported_response_type", "only response_type=code is served"};
  }
  std::string_view mode = parameter(parameters, "response_mode");
  if (!mode.empty() && mode != "query") {
    return AuthorizationError{"invalid_request", "only response_mode=query is served"};
  }
  if (parameter(parameters, "nonce").size() > kMaxNonceBytes) {
    return AuthorizationError{"invalid_request", "nonce is longer than 512 bytes"};
  }
  if (auto error = check_scopes(client, split_scopes(parameter(parameters, "scope")))) {
    return error;
  }
  return check_pkce(client, parameters);
}

}  // namespace

OidcReply Provider::authorize(const sso::PeerCertificate& card, std::string_view query,
                              std::string_view peer) const {
  return authorize(card, query, "", peer);
}

OidcReply Provider::authorize(const sso::PeerCertificate& card, std::string_view query,
                              std::string_view session_cookie, std::string_view peer) const {
  return authorize_in_role(card, query, session_cookie, peer, "");
}

OidcReply Provider::redirect_error(const CheckedAuthorization& request, std::string_view error,
                                   std::string_view description, std::string_view peer) const {
  log::get("federation")->warn("oidc endpoint=authorize outcome={} client_id={} {}", error,
                               request.client->client_id, peer);
  Parameters response{{"error", std::string(error)},
                      {"error_description", std::string(description)},
                      {"iss", settings_.issuer}};
  if (!request.state.empty()) {
    response.emplace("state", request.state);
  }
  return redirect(append_query(request.redirect_uri, response));
}

Result<Provider::CheckedAuthorization, OidcReply> Provider::check_authorization(
    std::string_view query, std::string_view peer) const {
  auto log = log::get("federation");

  // RFC 6749 4.1.2.1: without a registered client and redirect_uri the error must not be
  // redirected, because the redirect could lead anywhere.
  Result<Parameters> parameters = parse_form(query);
  if (!parameters.ok()) {
    log->warn("oidc endpoint=authorize outcome=bad_request {}", peer);
    return bad_request_page(parameters.status().message());
  }
  CheckedAuthorization request;
  request.client = clients().find(parameter(*parameters, "client_id"));
  if (request.client == nullptr) {
    log->warn("oidc endpoint=authorize outcome=unknown_client {}", peer);
    return bad_request_page("client_id is missing or not registered.");
  }
  request.redirect_uri = std::string(parameter(*parameters, "redirect_uri"));
  if (!request.client->allows_redirect_uri(request.redirect_uri)) {
    log->warn("oidc endpoint=authorize outcome=bad_redirect_uri client_id={} {}",
              request.client->client_id, peer);
    return bad_request_page("redirect_uri is missing or not registered for this client.");
  }

  request.state = std::string(parameter(*parameters, "state"));
  if (request.state.size() > kMaxStateBytes) {
    request.state.clear();
    return redirect_error(request, "invalid_request", "state is longer than 1024 bytes", peer);
  }
  if (auto error = check_request(*request.client, *parameters)) {
    return redirect_error(request, error->error, error->description, peer);
  }
  request.parameters = std::move(*parameters);
  return request;
}

std::optional<sso::SsoSession> Provider::find_session(const SignIn& sign_in,
                                                      std::string_view session_cookie) const {
  if (sessions_ == nullptr || session_cookie.empty()) {
    return std::nullopt;
  }
  const Person& person = sign_in.person;
  std::optional<sso::SsoSession> session = sessions_->use(session_cookie, sign_in.binding);
  if (!session.has_value() || session->uid != person.uid) {
    return std::nullopt;
  }

  bool role_held = std::any_of(person.roles.begin(), person.roles.end(), [&](const RoleProfile& role) {
    return role.id == session->role_profile_id;
  });
  if (role_held || (person.roles.empty() && session->role_profile_id.empty())) {
    return session;
  }
  // No role was chosen in this session, or the role was removed from the directory since.
  sessions_->end(session->id);
  return std::nullopt;
}

std::optional<OidcReply> Provider::show_role_page(const SignIn& sign_in,
                                                  std::string_view query) const {
  const Person& person = sign_in.person;
  Result<std::string> token =
      sessions_->add_pending_authorization(sign_in.binding, person.uid, std::string(query), person);
  if (!token.ok()) {
    log::get("federation")->error("oidc role choice not stored: {}", token.status().message());
    return std::nullopt;
  }
  OidcReply reply;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = sso::build_role_page(person.cn, person.roles, *token, kRoleChoicePath);
  return reply;
}

Result<std::string> Provider::join_session(const SignIn& sign_in,
                                           std::optional<sso::SsoSession> session,
                                           std::string_view role, AuthorizationGrant& grant) const {
  grant.method = sso::authentication_method(sign_in.binding);
  if (sessions_ == nullptr) {
    return std::string();
  }
  std::string set_cookie;
  if (!session.has_value()) {
    const Person& person = sign_in.person;
    std::string session_role(role);
    if (session_role.empty() && person.roles.size() == 1) {
      session_role = person.roles.front().id;
    }
    Result<sso::SsoSession> started = sessions_->start(sign_in.binding, person.uid, session_role);
    if (!started.ok()) {
      return started.status();
    }
    session = std::move(*started);
    set_cookie = sso::session_cookie(session->id);
  }

  grant.session_id = session->id;
  grant.sid = session->session_index;
  grant.role_profile_id = session->role_profile_id;
  grant.session_expires = session->created + sessions_->settings().absolute_timeout;
  return set_cookie;
}

OidcReply Provider::authorize_in_role(const sso::PeerCertificate& card, std::string_view query,
                                      std::string_view session_cookie, std::string_view peer,
                                      std::string_view chosen_role) const {
  Result<CheckedAuthorization, OidcReply> request = check_authorization(query, peer);
  if (!request.ok()) {
    return std::move(request).error();
  }
  if (!card.present && password_login_ != nullptr && sessions_ != nullptr) {
    return offer_password_login(*request, query, session_cookie, peer);
  }

  Result<Person, sso::LoginFailure> person = sso::identify_card_holder(card, source_, settings_.card_mapping);
  if (!person.ok()) {
    const sso::LoginFailure& failure = person.error();
    if (failure.outcome == sso::LoginOutcome::kStoreError) {
      log::get("federation")->error("oidc directory read failed: {}", failure.log_detail);
      return redirect_error(*request, "temporarily_unavailable", "the directory cannot be read", peer);
    }
    return redirect_error(*request, "access_denied",
                          "no valid NHS smartcard: " + std::string(sso::login_outcome_name(failure.outcome)),
                          peer);
  }
  SignIn sign_in{card.sha256_fingerprint, std::move(*person)};
  return complete_authorization(*request, sign_in, query, session_cookie, peer, chosen_role);
}

OidcReply Provider::authorize_signed_in(const SignIn& sign_in, std::string_view query,
                                        std::string_view peer, std::string_view chosen_role) const {
  Result<CheckedAuthorization, OidcReply> request = check_authorization(query, peer);
  if (!request.ok()) {
    return std::move(request).error();
  }
  return complete_authorization(*request, sign_in, query, "", peer, chosen_role);
}

OidcReply Provider::complete_authorization(const CheckedAuthorization& request,
                                           const SignIn& sign_in, std::string_view query,
                                           std::string_view session_cookie, std::string_view peer,
                                           std::string_view chosen_role) const {
  auto log = log::get("federation");
  const Person& person = sign_in.person;
  const std::string& client_id = request.client->client_id;
  // Checked again here, because a password session may be joined or a stored request
  // completed after the client's registration changed.
  if (sso::authentication_method(sign_in.binding) == sso::AuthenticationMethod::kPasswordTotp) {
    if (std::optional<OidcReply> rejection = reject_without_card(request, peer)) {
      return std::move(*rejection);
    }
  }

  // The role page comes before the code, so that the code carries the chosen role. OIDC
  // Core 3.1.2.1: with prompt=none the provider must not show any page.
  std::optional<sso::SsoSession> session;
  if (chosen_role.empty()) {
    session = find_session(sign_in, session_cookie);
  }
  if (sessions_ != nullptr && !session.has_value() && chosen_role.empty() &&
      person.roles.size() > 1) {
    if (parameter(request.parameters, "prompt") == "none") {
      return redirect_error(request, "interaction_required", "the person must choose a role", peer);
    }
    std::optional<OidcReply> page = show_role_page(sign_in, query);
    if (!page.has_value()) {
      return redirect_error(request, "server_error", "the role page could not be shown", peer);
    }
    log->info("oidc endpoint=authorize outcome=role_choice client_id={} uid={} roles={} {}",
              client_id, person.uid, person.roles.size(), peer);
    return std::move(*page);
  }

  const auto now = clock_();
  AuthorizationGrant grant;
  grant.client_id = client_id;
  grant.redirect_uri = request.redirect_uri;
  grant.uid = person.uid;
  grant.scopes = split_scopes(parameter(request.parameters, "scope"));
  grant.nonce = std::string(parameter(request.parameters, "nonce"));
  grant.code_challenge = std::string(parameter(request.parameters, "code_challenge"));
  grant.auth_time = now;
  grant.expires = now + settings_.code_lifetime;
  Result<std::string> set_cookie = join_session(sign_in, std::move(session), chosen_role, grant);
  if (!set_cookie.ok()) {
    log->error("oidc sso session not started: {}", set_cookie.status().message());
    return redirect_error(request, "server_error", "the sign-in session could not be started", peer);
  }
  Result<std::string> code = codes_.issue(std::move(grant), now);
  if (!code.ok()) {
    log->warn("oidc authorization code not issued: {}", code.status().message());
    return redirect_error(request, "temporarily_unavailable", "try again in a minute", peer);
  }

  log->info("oidc endpoint=authorize outcome=code_issued client_id={} uid={} new_session={} {}",
            client_id, person.uid, !set_cookie->empty(), peer);
  Parameters response{{"code", *code}, {"iss", settings_.issuer}};
  if (!request.state.empty()) {
    response.emplace("state", request.state);
  }
  OidcReply reply = redirect(append_query(request.redirect_uri, response));
  reply.set_cookie = std::move(*set_cookie);
  return reply;
}

}  // namespace careid::federation::oidc
