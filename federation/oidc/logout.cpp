// OpenID Connect logout: RP-Initiated Logout 1.0 request checks, the SSO session link of
// codes and refresh tokens, and Back-Channel Logout 1.0 logout tokens.
#include <algorithm>

#include "base/log.h"
#include "federation/oidc/provider.h"
#include "pki/digest.h"

namespace careid::federation::oidc {
namespace {

constexpr std::string_view kLogoutTokenType = "logout+jwt";  // Back-Channel Logout 1.0 2.4
constexpr std::string_view kBackchannelLogoutEvent =
    "http://schemas.openid.net/event/backchannel-logout";
constexpr std::size_t kMaxStateBytes = 1024;
constexpr std::size_t kTokenIdBytes = 16;

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

OidcReply bad_logout_request(std::string_view reason) {
  OidcReply reply;
  reply.status = 400;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = "The logout request was rejected.\n\n" + std::string(reason) + "\n";
  return reply;
}

// RP-Initiated Logout 1.0 2: GET carries the parameters in the query, POST in a form body.
Result<Parameters> logout_parameters(const OidcRequest& request) {
  if (request.method != "POST") {
    return parse_form(request.query);
  }
  if (!is_form_content_type(request.content_type)) {
    return Status::invalid_argument("the body must be application/x-www-form-urlencoded");
  }
  return parse_form(request.body);
}

}  // namespace

Result<EndSessionRequest, OidcReply> Provider::check_end_session(const OidcRequest& request,
                                                                 std::string_view peer) const {
  auto log = log::get("federation");
  auto reject = [&](std::string_view outcome, std::string_view reason) {
    log->warn("oidc endpoint=end_session outcome={} {}", outcome, peer);
    return bad_logout_request(reason);
  };
  Result<Parameters> parameters = logout_parameters(request);
  if (!parameters.ok()) {
    return reject("bad_request", parameters.status().message());
  }

  EndSessionRequest checked;
  checked.client_id = parameter(*parameters, "client_id");
  std::string_view hint = parameter(*parameters, "id_token_hint");
  if (!hint.empty()) {
    // RP-Initiated Logout 1.0 2: the OP need not reject an expired ID token, so exp is not
    // checked. The signature, kid and typ are.
    Result<VerifiedJwt> verified = verify_jwt(keys_, hint, "JWT", keys_.algorithms());
    if (!verified.ok() || verified->claims.value("iss", "") != settings_.issuer) {
      return reject("bad_id_token_hint", "id_token_hint is not an ID token issued by careid.");
    }
    const Json& claims = verified->claims;
    std::string audience = claims.contains("aud") && claims["aud"].is_string()
                               ? claims["aud"].get<std::string>()
                               : std::string();
    if (!checked.client_id.empty() && checked.client_id != audience) {
      return reject("client_mismatch", "client_id is not the audience of id_token_hint.");
    }
    checked.client_id = audience;
    checked.sid = claims.value("sid", "");
  }

  std::string_view redirect_uri = parameter(*parameters, "post_logout_redirect_uri");
  std::string_view state = parameter(*parameters, "state");
  if (state.size() > kMaxStateBytes) {
    return reject("bad_request", "state is longer than 1024 bytes.");
  }
  if (redirect_uri.empty()) {
    return checked;
  }
  // RP-Initiated Logout 1.0 3: the URI must have been registered by the client that the
  // request names, and is compared by exact string match.
  const Client* client = clients().find(checked.client_id);
  if (client == nullptr) {
    return reject("unknown_client", "post_logout_redirect_uri needs a registered client_id or "
                                    "an id_token_hint that names the client.");
  }
  if (!client->allows_post_logout_redirect_uri(redirect_uri)) {
    log->warn("oidc endpoint=end_session outcome=bad_post_logout_redirect_uri client_id={} {}",
              client->client_id, peer);
    return bad_logout_request("post_logout_redirect_uri is not registered for this client.");
  }
  Parameters response;
  if (!state.empty()) {
    response.emplace("state", std::string(state));
  }
  checked.post_logout_redirect =
      response.empty() ? std::string(redirect_uri) : append_query(std::string(redirect_uri), response);
  return checked;
}

void Provider::attach_sessions(sso::SessionStore& sessions, LogoutNotifier* notifier,
                               const sso::PasswordAuthenticator* password_login) {
  sessions_ = &sessions;
  notifier_ = notifier;
  password_login_ = password_login;
  sessions.set_session_ended_listener(
      [this](const sso::SsoSession& session, sso::SessionEnd reason) {
        session_ended(session, reason);
      });
}

void Provider::detach_sessions() {
  if (sessions_ != nullptr) {
    sessions_->set_session_ended_listener({});
  }
  sessions_ = nullptr;
  notifier_ = nullptr;
  password_login_ = nullptr;
}

bool Provider::bind_to_session(const AuthorizationGrant& grant) const {
  if (sessions_ == nullptr || grant.session_id.empty()) {
    return true;
  }
  if (!sessions_->find(grant.session_id).has_value()) {
    return false;
  }
  sessions_->record_oidc_client(grant.session_id, grant.client_id);
  return true;
}

void Provider::session_ended(const sso::SsoSession& session, sso::SessionEnd reason) const {
  // Only a session in which a client redeemed a code has token families to revoke.
  if (session.oidc_clients.empty()) {
    return;
  }
  auto log = log::get("federation");
  std::size_t revoked = tokens_.revoke_session(session.session_index, clock_());
  log->info("oidc session_end reason={} uid={} clients={} token_families_revoked={}",
            sso::session_end_name(reason), session.uid, session.oidc_clients.size(), revoked);
  // An idle session ends quietly: its clients keep their own sessions, and their refresh
  // tokens still end at the absolute timeout.
  if (reason == sso::SessionEnd::kIdleTimeout || reason == sso::SessionEnd::kEvicted ||
      notifier_ == nullptr) {
    return;
  }

  for (const std::string& client_id : session.oidc_clients) {
    const Client* client = clients().find(client_id);
    if (client == nullptr || client->backchannel_logout_uri.empty()) {
      continue;
    }
    Result<std::string> token = logout_token(*client, session.uid, session.session_index);
    if (!token.ok()) {
      log->error("oidc backchannel_logout outcome=not_signed client_id={} error=\"{}\"", client_id,
                 token.status().message());
      continue;
    }
    notifier_->send({client_id, client->backchannel_logout_uri, std::move(*token)});
  }
}

Result<std::string> Provider::logout_token(const Client& client, std::string_view uid,
                                           std::string_view sid) const {
  Result<std::string> subject = pairwise_subject(client.client_id, uid);
  if (!subject.ok()) {
    return subject.status();
  }
  Result<pki::Bytes> token_id = pki::random_bytes(kTokenIdBytes);
  if (!token_id.ok()) {
    return token_id.status();
  }

  const std::int64_t issued = seconds_since_epoch(clock_());
  // Back-Channel Logout 1.0 2.4: no nonce, and an events member with the logout event.
  Json claims = {{"iss", settings_.issuer},
                 {"aud", client.client_id},
                 {"iat", issued},
                 {"exp", issued + settings_.logout_token_lifetime.count()},
                 {"jti", base64url_encode(*token_id)},
                 {"sub", *subject},
                 {"events", {{std::string(kBackchannelLogoutEvent), Json::object()}}}};
  if (!sid.empty()) {
    claims["sid"] = std::string(sid);
  }
  return sign_jwt(keys_.signing_key(), kLogoutTokenType, claims);
}

}  // namespace careid::federation::oidc
