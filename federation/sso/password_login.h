// The optional password + TOTP login, for people without their card at hand whose entry
// allows it (careidPasswordLoginAllowed TRUE and a careidTotpSecret). Such a login is AAL2
// (SAML class PasswordProtectedTransport, OpenID acr AAL2), so it never satisfies a request
// that needs the smartcard's AAL3.
//
// This file contains the login page and its form. SsoService (for /saml/sso) and the OpenID
// provider (for /oidc/authorize) show the page, and PasswordAuthenticator
// (password_authenticator.h) runs the checks in this order: form token, account allowed,
// password, then TOTP code. The password check is the directory's own, which counts failures
// toward its lockout, and a wrong code counts too.
#pragma once

#include <string>
#include <string_view>

namespace careid::federation::sso {

// Path of the login form's action for SAML logins.
inline constexpr std::string_view kPasswordLoginPath = "/saml/login";

// The session binding of password sessions, in place of a card's SHA-256 fingerprint: a
// session started by a password login is reused only on connections without a card, and a
// card connection never reuses it.
inline constexpr std::string_view kPasswordSessionBinding = "password+totp";

// Login method of an SSO session's person, which sets the assurance level asserted.
enum class AuthenticationMethod {
  kSmartcard,     // the card's TLS client certificate: AAL3
  kPasswordTotp,  // password and TOTP code: AAL2
};

// Returns the method of a session from its binding (SsoSession::card_fingerprint): a card
// fingerprint, or kPasswordSessionBinding.
inline AuthenticationMethod authentication_method(std::string_view session_binding) {
  return session_binding == kPasswordSessionBinding ? AuthenticationMethod::kPasswordTotp
                                                    : AuthenticationMethod::kSmartcard;
}

// SAML attribute that states the authentication assurance level of a password login, "AAL2".
inline constexpr const char* kAttributeAssuranceLevel = "authenticationAssuranceLevel";

// Builds the login page with the fields uid, password and code and the hidden field
// `csrf_token`, whose form posts to `action`. `error` is shown above the form when not
// empty; it is escaped.
std::string build_password_login_page(std::string_view csrf_token, std::string_view error,
                                      std::string_view action = kPasswordLoginPath);

// The fields of a submitted login form (application/x-www-form-urlencoded).
struct PasswordLoginForm {
  std::string csrf_token;
  std::string uid;
  std::string password;  // a secret: never logged
  std::string code;
};

// Parses the login form body. Repeated fields, bad percent-encoding or a body over 4 KiB
// leave every field empty.
PasswordLoginForm parse_password_login_form(std::string_view body);

}  // namespace careid::federation::sso
