// PasswordAuthenticator: the credential checks of the password + TOTP login
// (password_login.h). SsoService and the OpenID provider share one instance, so that both
// logins count toward the same lockout and a TOTP step used in one is rejected in the other.
//
// Thread safety: every method is const and may run on several threads at once. check()
// blocks on the directory, so call it off the I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "base/status.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/password_login.h"
#include "federation/sso/totp.h"

namespace careid::federation::sso {

// Settings of the password + TOTP login, from the [login] configuration.
struct PasswordLoginSettings {
  bool enabled = false;
  int totp_window_steps = 1;  // 0 or 1
  // SAML SP entity IDs and OpenID client_ids that need a smartcard (AAL3) whatever their
  // request contains.
  std::vector<std::string> card_only_service_providers;
};

// The binding of pending login pages, apart from kPasswordSessionBinding so that a login
// page's token never works as a role form's token.
inline constexpr std::string_view kLoginFormBinding = "password+totp:form";

// The one message of a rejected login page, whatever the cause, so that the page does not
// reveal which of uid, password or code was wrong.
inline constexpr std::string_view kPasswordRejectedText =
    "The user ID, password or code is wrong, the code was already used, or the account is "
    "locked after repeated failures. Wait for a new code and try again.";

// The reason check() returns when the directory cannot be read, which is a 503 rather than
// a rejected login.
inline constexpr std::string_view kPasswordStoreError = "store_error";

// Returns `uid` when it is a well-formed NHS user ID, else "-": only such a value goes into
// logs, because the form field is attacker-chosen text.
std::string_view loggable_uid(std::string_view uid);

class PasswordAuthenticator {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `source` and `audit` must outlive the authenticator.
  PasswordAuthenticator(PasswordLoginSettings settings, IdentitySource& source, Clock clock,
                        audit::Sink& audit);

  const PasswordLoginSettings& settings() const { return settings_; }

  // True when `relying_party`, a SAML SP entity ID or an OpenID client_id, is listed in
  // card_only_service_providers.
  bool requires_card(std::string_view relying_party) const;

  // Checks the form's uid, password and TOTP code, in that order, and returns the person.
  // A person whose entry does not allow the login gets no password check. A wrong or
  // replayed code counts toward the directory's lockout, as a wrong password does. Each
  // failure is logged (rate-limited) and recorded as an "sso.login" failure event with
  // `method` password_totp. The error is the failure's reason, and kPasswordStoreError when
  // the directory cannot be read. `client` names the peer in logs.
  Result<Person, std::string> check(const PasswordLoginForm& form, std::string_view client) const;

 private:
  Result<Person, std::string> check_credentials(const PasswordLoginForm& form) const;
  void record_failure(std::string_view uid, std::string_view reason,
                      std::string_view client) const;

  PasswordLoginSettings settings_;
  IdentitySource& source_;
  Clock clock_;
  audit::Sink& audit_;
  mutable TotpVerifier totp_;  // internally synchronised
};

}  // namespace careid::federation::sso
