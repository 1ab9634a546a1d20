// SsoService's password + TOTP login (password_login.h): the login page, the credential
// checks and the AAL rules. The rest of the login (role choice, Response) is shared with
// card logins in sso_service.cpp.
#include <algorithm>

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "federation/saml/saml_names.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::sso {
namespace {

// The binding of pending login pages, apart from kPasswordSessionBinding so that a login
// page's token never works as a role form's token.
constexpr std::string_view kLoginFormBinding = "password+totp:form";

constexpr const char* kRejectedText =
    "The user ID, password or code is wrong, the code was already used, or the account is "
    "locked after repeated failures. Wait for a new code and try again.";

// Only a well-formed uid goes into logs, because the form field is attacker-chosen text.
std::string_view loggable_uid(std::string_view uid) {
  return is_nhs_uid(uid) ? uid : std::string_view("-");
}

// A connection without a card, whose session is bound to kPasswordSessionBinding.
PeerCertificate password_binding() {
  PeerCertificate binding;
  binding.sha256_fingerprint = std::string(kPasswordSessionBinding);
  return binding;
}

std::string_view totp_failure_reason(TotpResult result) {
  switch (result) {
    case TotpResult::kReplayed:
      return "replayed_code";
    case TotpResult::kBusy:
      return "totp_busy";
    case TotpResult::kError:
      return "totp_error";
    case TotpResult::kAccepted:
    case TotpResult::kWrongCode:
      break;
  }
  return "wrong_code";
}

}  // namespace

void SsoService::enable_password_login(PasswordLoginSettings settings) {
  totp_ = std::make_unique<TotpVerifier>(settings.totp_window_steps);
  password_login_ = std::move(settings);
}

// AAL rules: a password login is AAL2, so it satisfies neither an SP configured as card-only
// nor a RequestedAuthnContext that only SmartcardPKI meets.
bool SsoService::allows_password_login(const saml::AuthnRequest& request) const {
  const auto& card_only = password_login_.card_only_service_providers;
  bool card_only_sp = std::find(card_only.begin(), card_only.end(), request.issuer) != card_only.end();
  return request.password_login_allowed && !card_only_sp;
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
                             request->id, request->relay_state};
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
                             request->relay_state};
    return reply_for_bad_request(error, "-", client);
  }
  return show_login_page(*request, "", client);
}

SsoReply SsoService::show_login_page(const saml::AuthnRequest& request, std::string_view error,
                                     std::string_view client) const {
  Result<std::string> token = sessions_->add_pending(std::string(kLoginFormBinding), "", request);
  if (!token.ok()) {
    log::get("federation")->error("login outcome=internal_error uid=- sp={} client={} error=\"{}\"",
                                  request.issuer, client, token.status().to_string());
    return {SsoReply::Kind::kInternalError, "The login failed because of a server error. Try again later.", "", ""};
  }
  return {SsoReply::Kind::kLoginPage, build_password_login_page(*token, error), "", ""};
}

SsoReply SsoService::handle_password_login(std::string_view form_body,
                                           std::string_view client) const {
  if (!password_login_.enabled) {
    return {SsoReply::Kind::kDenied, "Password login is turned off; sign in with your smartcard.", "", ""};
  }
  PasswordLoginForm form = parse_password_login_form(form_body);
  std::optional<PendingChoice> pending = sessions_->take_pending(form.csrf_token, kLoginFormBinding);
  if (form.csrf_token.empty() || !pending.has_value()) {
    log::get("federation")->warn("login outcome=login_form_rejected uid={} sp=- client={}",
                                 loggable_uid(form.uid), client);
    return {SsoReply::Kind::kDenied,
            "This sign-in form has expired or was already used. Start again at the service you "
            "were signing in to.",
            "", ""};
  }

  Result<Person, std::string> person = check_password_login(form);
  if (!person.ok()) {
    record_password_failure(form.uid, person.error(), client);
    if (person.error() == "store_error") {
      return {SsoReply::Kind::kUnavailable, "The directory cannot be read. Try again later.", "", ""};
    }
    return show_login_page(pending->request, kRejectedText, client);
  }
  log::get("federation")->info("login outcome=password_accepted uid={} sp={} client={}",
                               person->uid, pending->request.issuer, client);
  return choose_role(password_binding(), *person, pending->request, "", client);
}

// The order matters: a person whose entry does not allow the login gets no password check,
// so the fallback cannot be used to guess passwords of card-only accounts.
Result<Person, std::string> SsoService::check_password_login(const PasswordLoginForm& form) const {
  if (form.uid.empty() || form.password.empty() || form.code.empty()) {
    return std::string("incomplete_form");
  }
  Result<std::optional<PasswordLoginAccount>> account = source_.find_password_login(form.uid);
  if (!account.ok()) {
    return std::string("store_error");
  }
  if (!account->has_value()) {
    return std::string("unknown_person");
  }
  if (!(*account)->allowed || (*account)->totp_secret.empty()) {
    return std::string("not_allowed");
  }

  Result<bool> password = source_.check_password((*account)->dn, form.password);
  if (!password.ok()) {
    return std::string("store_error");
  }
  if (!*password) {
    return std::string("wrong_password_or_locked");
  }
  TotpResult code = totp_->verify(form.uid, pki::as_bytes((*account)->totp_secret), form.code, clock_());
  if (code != TotpResult::kAccepted) {
    source_.record_login_failure((*account)->dn);
    return std::string(totp_failure_reason(code));
  }

  Result<std::optional<Person>> person = source_.find_person(form.uid);
  if (!person.ok()) {
    return std::string("store_error");
  }
  if (!person->has_value()) {
    return std::string("unknown_person");
  }
  return std::move(**person);
}

void SsoService::record_password_failure(std::string_view uid, std::string_view reason,
                                         std::string_view client) const {
  std::string logged_uid(loggable_uid(uid));
  static log::RateLimitedLog refusal_log(log::get("federation"));
  refusal_log.warn(reason, "login outcome=password_rejected uid={} sp=- client={} reason={}",
                   logged_uid, client, reason);

  audit::Event event;
  event.type = "sso.login";
  event.outcome = audit::kFailure;
  event.client = audit::peer_address(client);
  event.subject = logged_uid == "-" ? "" : logged_uid;
  event.details = {{"method", "password_totp"}, {"reason", reason}};
  audit_.record(std::move(event));
}

}  // namespace careid::federation::sso
