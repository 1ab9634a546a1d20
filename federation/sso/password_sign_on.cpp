// SsoService's password + TOTP login (password_login.h): the login page and the AAL rules.
// PasswordAuthenticator checks the credentials, and the rest of the login (role choice,
// Response) is shared with card logins in sso_service.cpp.
#include "base/log.h"
#include "federation/saml/saml_names.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::sso {
namespace {

// A connection without a card, whose session is bound to kPasswordSessionBinding.
PeerCertificate password_binding() {
  PeerCertificate binding;
  binding.sha256_fingerprint = std::string(kPasswordSessionBinding);
  return binding;
}

}  // namespace

void SsoService::enable_password_login(PasswordLoginSettings settings) {
  password_login_ = std::make_unique<PasswordAuthenticator>(std::move(settings), source_, clock_, audit_);
}

// AAL rules: a password login is AAL2, so it satisfies neither an SP configured as card-only
// nor a RequestedAuthnContext that only SmartcardPKI meets.
bool SsoService::allows_password_login(const saml::AuthnRequest& request) const {
  return request.password_login_allowed && !password_login_->requires_card(request.issuer);
}

SsoReply SsoService::offer_password_login(const RequestDecoder& decode_request,
                                          std::string_view session_id,
                                          std::string_view client) const {
  Result<saml::AuthnRequest, saml::RequestError> request = decode_request();
  if (!request.ok()) {
    return reply_for_bad_request(request.error(), "-", client);
  }
  if (!allows_password_login(*request)) {
    saml::RequestError error{"the service provider requires a smartcard login (AAL3); insert "
                             "the smartcard and start again",
                             std::string(saml::kStatusResponder), request->acs_url,
                             std::string(saml::kStatusNoAuthnContext), request->issuer,
                             request->id, request->relay_state, request->acs_binding};
    return reply_for_bad_request(error, "-", client);
  }

  // A password session is reused as a card session is, unless ForceAuthn requests a new
  // login, which ends it (SAML Core 3.4.1).
  std::optional<SsoSession> session;
  if (!session_id.empty()) {
    session = sessions_->use(session_id, kPasswordSessionBinding);
  }
  if (session.has_value() && request->force_authn) {
    sessions_->end(session->id);
    session.reset();
  }
  if (session.has_value()) {
    Result<std::optional<Person>> person = source_.find_person(session->uid);
    if (person.ok() && person->has_value()) {
      return choose_role(password_binding(), **person, *request, session_id, client);
    }
  }

  if (request->is_passive) {
    saml::RequestError error{"the person must sign in, which IsPassive forbids",
                             std::string(saml::kStatusResponder), request->acs_url,
                             std::string(saml::kStatusNoPassive), request->issuer, request->id,
                             request->relay_state, request->acs_binding};
    return reply_for_bad_request(error, "-", client);
  }
  return show_login_page(*request, "", client);
}

SsoReply SsoService::show_login_page(const saml::AuthnRequest& request, std::string_view error,
                                     std::string_view client) const {
  Result<std::string> token = sessions_->add_pending(std::string(kLoginFormBinding), "", request);
  if (!token.ok()) {
    log::get("federation")->error("login outcome=internal_error uid=- sp={} {} error=\"{}\"",
                                  request.issuer, client, token.status().to_string());
    return {SsoReply::Kind::kInternalError, "The login failed because of a server error. Try again later.", "", ""};
  }
  return {SsoReply::Kind::kLoginPage, build_password_login_page(*token, error), "", ""};
}

SsoReply SsoService::handle_password_login(std::string_view form_body,
                                           std::string_view client) const {
  if (password_login_ == nullptr) {
    return {SsoReply::Kind::kDenied, "Password login is turned off; sign in with your smartcard.", "", ""};
  }
  PasswordLoginForm form = parse_password_login_form(form_body);
  std::optional<PendingChoice> pending = sessions_->take_pending(form.csrf_token, kLoginFormBinding);
  if (form.csrf_token.empty() || !pending.has_value()) {
    log::get("federation")->warn("login outcome=login_form_rejected uid={} sp=- {}",
                                 loggable_uid(form.uid), client);
    return {SsoReply::Kind::kDenied,
            "This sign-in form has expired or was already used. Start again at the service you "
            "were signing in to.",
            "", ""};
  }

  Result<Person, std::string> person = password_login_->check(form, client);
  if (!person.ok()) {
    if (person.error() == kPasswordStoreError) {
      return {SsoReply::Kind::kUnavailable, "The directory cannot be read. Try again later.", "", ""};
    }
    return show_login_page(pending->request, kPasswordRejectedText, client);
  }
  log::get("federation")->info("login outcome=password_accepted uid={} sp={} {}",
                               person->uid, pending->request.issuer, client);
  return choose_role(password_binding(), *person, pending->request, "", client);
}

}  // namespace careid::federation::sso
