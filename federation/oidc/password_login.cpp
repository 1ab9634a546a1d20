// The password + TOTP login of OpenID logins (federation/sso/password_login.h): the login
// page that /oidc/authorize shows to a browser without a card, its form at POST /oidc/login,
// and the AAL rules. The checks themselves are sso::PasswordAuthenticator's, shared with
// SAML logins.
#include "base/log.h"
#include "federation/oidc/claims.h"
#include "federation/oidc/provider.h"

namespace careid::federation::oidc {
namespace {

void record_login(audit::Sink& audit, const Person& person, std::string_view client_id,
                  std::string_view peer) {
  audit::Event event;
  event.type = "sso.login";
  event.actor = person.uid;
  event.subject = person.uid;
  event.client = audit::peer_address(peer);
  event.details = {{"method", "password_totp"}, {"client_id", std::string(client_id)}};
  audit.record(std::move(event));
}

}  // namespace

std::optional<OidcReply> Provider::reject_without_card(const CheckedAuthorization& request,
                                                       std::string_view peer) const {
  bool card_only = password_login_ != nullptr && password_login_->requires_card(request.client->client_id);
  // careid treats acr_values as a requirement, so that a client that requests AAL3 never
  // gets an AAL2 login, although OIDC Core 3.1.2.1 makes them voluntary.
  // TODO: an essential acr in the claims parameter is ignored, so a client must use
  // acr_values to require AAL3.
  bool aal3 = requested_assurance_level(parameter(request.parameters, "acr_values")) == 3;
  if (!card_only && !aal3) {
    return std::nullopt;
  }
  // OIDC Core 3.1.2.6: login_required when prompt=none forbids the page that would ask for
  // the card.
  std::string description = card_only ? "this client requires a smartcard login (acr AAL3); "
                                        "insert the smartcard and sign in again"
                                      : "acr_values requires a smartcard login (acr AAL3); "
                                        "insert the smartcard and sign in again";
  bool passive = parameter(request.parameters, "prompt") == "none";
  return redirect_error(request, passive ? "login_required" : "access_denied", description, peer);
}

std::optional<OidcReply> Provider::show_login_page(std::string_view query,
                                                   std::string_view error) const {
  Result<std::string> token = sessions_->add_pending_authorization(
      std::string(sso::kLoginFormBinding), "", std::string(query));
  if (!token.ok()) {
    log::get("federation")->error("oidc login page not stored: {}", token.status().message());
    return std::nullopt;
  }
  OidcReply reply;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = sso::build_password_login_page(*token, error, kLoginPath);
  return reply;
}

OidcReply Provider::offer_password_login(const CheckedAuthorization& request,
                                         std::string_view query, std::string_view session_cookie,
                                         std::string_view peer) const {
  if (std::optional<OidcReply> rejection = reject_without_card(request, peer)) {
    return std::move(*rejection);
  }

  // A password session is joined as a card session is, and complete_authorization checks
  // it again for this person and role.
  std::optional<sso::SsoSession> session;
  if (!session_cookie.empty()) {
    session = sessions_->find(session_cookie);
  }
  if (session.has_value() && session->card_fingerprint == sso::kPasswordSessionBinding) {
    Result<std::optional<Person>> person = source_.find_person(session->uid);
    if (!person.ok()) {
      log::get("federation")->error("oidc directory read failed: {}", person.status().message());
      return redirect_error(request, "temporarily_unavailable", "the directory cannot be read", peer);
    }
    if (person->has_value()) {
      SignIn sign_in{std::string(sso::kPasswordSessionBinding), std::move(**person)};
      return complete_authorization(request, sign_in, query, session_cookie, peer, "");
    }
  }

  if (parameter(request.parameters, "prompt") == "none") {
    return redirect_error(request, "login_required", "the person must sign in", peer);
  }
  std::optional<OidcReply> page = show_login_page(query, "");
  if (!page.has_value()) {
    return redirect_error(request, "server_error", "the login page could not be shown", peer);
  }
  log::get("federation")->info("oidc endpoint=authorize outcome=login_page client_id={} {}",
                               request.client->client_id, peer);
  return std::move(*page);
}

OidcReply Provider::sign_in_with_password(std::string_view form_body,
                                          std::string_view peer) const {
  auto log = log::get("federation");
  if (password_login_ == nullptr || sessions_ == nullptr) {
    return text_reply(404, "Password login is turned off. Sign in with your smartcard.\n");
  }
  sso::PasswordLoginForm form = sso::parse_password_login_form(form_body);
  std::optional<sso::PendingChoice> pending;
  if (!form.csrf_token.empty()) {
    pending = sessions_->take_pending_authorization(form.csrf_token, sso::kLoginFormBinding);
  }
  if (!pending.has_value()) {
    log->warn("oidc endpoint=login outcome=login_form_rejected uid={} {}",
              sso::loggable_uid(form.uid), peer);
    return text_reply(403, "Access denied.\n\nThis sign-in form has expired or was already used. "
                           "Start again at the application you were signing in to.\n");
  }

  Result<Person, std::string> person = password_login_->check(form, peer);
  if (!person.ok() && person.error() == sso::kPasswordStoreError) {
    return text_reply(503, "The directory cannot be read. Try again in a minute.\n");
  }
  if (!person.ok()) {
    std::optional<OidcReply> page =
        show_login_page(pending->authorization_query, sso::kPasswordRejectedText);
    return page.has_value() ? std::move(*page)
                            : text_reply(500, "The sign-in failed because of a server error.\n");
  }

  Result<Parameters> parameters = parse_form(pending->authorization_query);
  std::string client_id = parameters.ok() ? std::string(parameter(*parameters, "client_id")) : "";
  log->info("oidc endpoint=login outcome=password_accepted client_id={} uid={} {}", client_id,
            person->uid, peer);
  record_login(audit_, *person, client_id, peer);
  SignIn sign_in{std::string(sso::kPasswordSessionBinding), std::move(*person)};
  return authorize_signed_in(sign_in, pending->authorization_query, peer, "");
}

}  // namespace careid::federation::oidc
