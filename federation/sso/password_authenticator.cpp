#include "federation/sso/password_authenticator.h"

#include <algorithm>

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "federation/sso/card_login.h"

namespace careid::federation::sso {
namespace {

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

std::string_view loggable_uid(std::string_view uid) {
  return is_nhs_uid(uid) ? uid : std::string_view("-");
}

PasswordAuthenticator::PasswordAuthenticator(PasswordLoginSettings settings,
                                             IdentitySource& source, Clock clock,
                                             audit::Sink& audit)
    : settings_(std::move(settings)),
      source_(source),
      clock_(std::move(clock)),
      audit_(audit),
      totp_(settings_.totp_window_steps) {}

bool PasswordAuthenticator::requires_card(std::string_view relying_party) const {
  const auto& card_only = settings_.card_only_service_providers;
  return std::find(card_only.begin(), card_only.end(), relying_party) != card_only.end();
}

Result<Person, std::string> PasswordAuthenticator::check(const PasswordLoginForm& form,
                                                         std::string_view client) const {
  Result<Person, std::string> person = check_credentials(form);
  if (!person.ok()) {
    record_failure(form.uid, person.error(), client);
  }
  return person;
}

// The order matters: a person whose entry does not allow the login gets no password check,
// so the fallback cannot be used to guess passwords of card-only accounts.
Result<Person, std::string> PasswordAuthenticator::check_credentials(
    const PasswordLoginForm& form) const {
  if (form.uid.empty() || form.password.empty() || form.code.empty()) {
    return std::string("incomplete_form");
  }
  Result<std::optional<PasswordLoginAccount>> account = source_.find_password_login(form.uid);
  if (!account.ok()) {
    return std::string(kPasswordStoreError);
  }
  if (!account->has_value()) {
    return std::string("unknown_person");
  }
  if (!(*account)->allowed || (*account)->totp_secret.empty()) {
    return std::string("not_allowed");
  }

  Result<bool> password = source_.check_password((*account)->dn, form.password);
  if (!password.ok()) {
    return std::string(kPasswordStoreError);
  }
  if (!*password) {
    return std::string("wrong_password_or_locked");
  }
  TotpResult code = totp_.verify(form.uid, pki::as_bytes((*account)->totp_secret), form.code, clock_());
  if (code != TotpResult::kAccepted) {
    source_.record_login_failure((*account)->dn);
    return std::string(totp_failure_reason(code));
  }

  Result<std::optional<Person>> person = source_.find_person(form.uid);
  if (!person.ok()) {
    return std::string(kPasswordStoreError);
  }
  if (!person->has_value()) {
    return std::string("unknown_person");
  }
  return std::move(**person);
}

void PasswordAuthenticator::record_failure(std::string_view uid, std::string_view reason,
                                           std::string_view client) const {
  std::string logged_uid(loggable_uid(uid));
  static log::RateLimitedLog refusal_log(log::get("federation"));
  refusal_log.warn(reason, "login outcome=password_rejected uid={} sp=- {} reason={}",
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
