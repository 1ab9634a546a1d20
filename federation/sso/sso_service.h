// SsoService: SAML logins from a card certificate and an HTTP-Redirect AuthnRequest, the
// role choice and the SSO session, without HTTP. The HTTPS layer maps the reply kind to a
// status code and page, and sends `set_cookie` as the session cookie.
//
// Order of checks: the card and its holder in the directory come first, so that a client
// without a valid card never gets its request decoded. Then come the AuthnRequest, the
// role (from the session, the only role, or the person's choice on the role page) and
// the signed Response. Each outcome is logged once on the "federation" logger as
// `login outcome=... uid=... sp=... client=...`. Assertions, session IDs and CSRF tokens
// are never logged.
//
// Sessions (federation/sso/session_store.h): a successful login starts one, and the reply
// sets the cookie kSessionCookie. A later request with that cookie, on a TLS connection
// with the same card certificate, reuses the session's role without a new choice, unless
// the AuthnRequest sets ForceAuthn. Changing role needs a new login (logout first).
//
// Thread safety: every method is const and may run on several threads at once. They block
// while the IdentityProvider signs the Response, so call them off the I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "federation/saml/identity_provider.h"
#include "federation/sso/card_login.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/password_authenticator.h"
#include "federation/sso/password_login.h"
#include "federation/sso/persistent_id.h"
#include "federation/sso/role_page.h"
#include "federation/sso/session_store.h"
#include "federation/sso/totp.h"

namespace careid::federation::sso {

// The cookie name. The __Host- prefix makes browsers accept it only with Secure, Path=/
// and no Domain (cookie prefixes, RFC 6265bis), so no other host can set or overwrite it.
inline constexpr std::string_view kSessionCookie = "__Host-careid_session";

struct SsoReply {
  enum class Kind {
    // 200: `body` is the auto-submit HTML page posting to `acs_url`: the signed Response,
    // or a SAML error Response when the request was rejected but its SP is known.
    kPostForm,
    kRolePage,       // 200: `body` is the role selection page (role_page.h)
    kLoginPage,      // 200: `body` is the password + TOTP login page (password_login.h)
    kLoggedOut,      // 200: `body` is the signed-out HTML page (build_signed_out_page)
    kRedirect,       // 302 to `acs_url`: a SAML message over the HTTP-Redirect binding
    kDenied,         // 403: no valid card, unknown person, stale role form; `body` gives the reason
    kBadRequest,     // 400: AuthnRequest or role form rejected, SP unknown; `body` gives the reason
    kUnavailable,    // 503: the directory could not be read
    kInternalError,  // 500: building or signing the Response failed
  };
  Kind kind = Kind::kInternalError;
  std::string body;
  // Destination of the SAML message: the ACS URL of a login, the SP's SingleLogoutService of
  // a logout, and for kRedirect the whole URL with the signed query.
  std::string acs_url;
  // A Set-Cookie header value to send with the reply, or empty for none.
  std::string set_cookie;
};

class SsoService {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // The references must outlive the service. `audit` receives an "sso.login" event for
  // each new login and each refusal, and a "saml.assertion" event for each Response issued.
  SsoService(IdentitySource& source, const saml::IdentityProvider& idp, PersistentIdGenerator ids,
             Clock clock = std::chrono::system_clock::now, SessionSettings sessions = {},
             audit::Sink& audit = audit::null_sink());

  // Turns on the password + TOTP login. Call it before the service handles requests; it is
  // not synchronised with them.
  void enable_password_login(PasswordLoginSettings settings);

  // Handles POST /saml/login with the form body of the login page. The CSRF token must name
  // a login page shown less than SessionSettings::choice_timeout ago. Each token works once,
  // and a rejected login gets a new page with a new token. Checks that the person's entry
  // allows password logins and has a TOTP secret, then the password (lockout counted by the
  // directory), then the TOTP code (a wrong or replayed code also counts toward the
  // lockout). On success goes on as a card login does, with a session bound to
  // kPasswordSessionBinding and the class PasswordProtectedTransport. kDenied when the
  // password login is off.
  SsoReply handle_password_login(std::string_view form_body, std::string_view client) const;

  // Handles GET /saml/sso. `query` is the raw query string (after '?'), and `session_id` is
  // the value of the session cookie, empty when there is none. `client` names the peer in
  // logs, e.g. "peer=127.0.0.1:50522 conn=7".
  SsoReply handle_sso(const PeerCertificate& card, std::string_view query,
                      std::string_view session_id, std::string_view client) const;

  // Handles POST /saml/sso: as handle_sso, with the AuthnRequest in the HTTP-POST binding's
  // form body (SAMLRequest, RelayState).
  SsoReply handle_sso_post(const PeerCertificate& card, std::string_view form_body,
                           std::string_view session_id, std::string_view client) const;

  // handle_sso without a session cookie.
  SsoReply handle_redirect(const PeerCertificate& card, std::string_view query,
                           std::string_view client) const;

  // Handles POST /saml/role with the form body of the role page. The CSRF token must name
  // a pending login made with the same card less than SessionSettings::choice_timeout ago,
  // and the role must be one of the card holder's role profiles. Without a card and with
  // the password login on, the token must name a pending password login instead.
  SsoReply handle_role_choice(const PeerCertificate& card, std::string_view form_body,
                              std::string_view client) const;

  // Handles GET or POST /logout: ends the session `session_id` (if any) and sends a
  // LogoutRequest to each SP of the session that has a SingleLogoutService, one after
  // another (kRedirect or kPostForm, and the cookie then contains the logout's id). When
  // `session_id` is the id of a logout in progress, the SP it waits for is recorded as
  // no_response and the next one follows. At the end: kLoggedOut with a cleared cookie.
  SsoReply handle_logout(std::string_view session_id, std::string_view client) const;

  // The parameters that an OpenID RP-Initiated Logout adds to handle_logout.
  struct LogoutOptions {
    // The URL the browser goes to once every SP had its turn: the checked
    // post_logout_redirect_uri with its state. Empty for the signed-out page.
    std::string post_logout_redirect;
    // The sid of a verified id_token_hint: the session to end when the request has no
    // session cookie, as when the RP sends a cross-site POST.
    std::string session_index;
  };

  // handle_logout for an OpenID logout: at the end, a 302 to options.post_logout_redirect
  // when every SP confirmed, else the signed-out page with a link to it.
  SsoReply handle_logout(std::string_view session_id, std::string_view client,
                         const LogoutOptions& options) const;

  // Handles GET (HTTP-Redirect binding, `message` is the raw query string) or POST
  // (HTTP-POST binding, `message` is the form body) /saml/slo: a LogoutRequest from an SP.
  // Ends the SSO sessions that the request names by SessionIndex, or else the session of
  // the cookie `session_id`, but only those in which the SP received an assertion. Returns
  // the signed LogoutResponse as kRedirect or kPostForm, or kBadRequest for a rejected
  // request. Before that response, the other SPs of the ended sessions get LogoutRequests as
  // in handle_logout, and the response carries PartialLogout unless all returned Success.
  // A message with SAMLResponse is a LogoutResponse to one of those requests: it must name
  // the logout in RelayState, the SP it was sent to and the request's ID, else kBadRequest.
  // Each finished logout logs `logout outcome=... sp=... partial=...` and records an
  // "sso.logout" event naming each SP's result.
  SsoReply handle_logout_request(bool post_binding, std::string_view message,
                                 std::string_view session_id, std::string_view client) const;

  SessionStore& sessions() const { return *sessions_; }

  // Returns the password + TOTP checks for the OpenID provider to share, or null while the
  // password login is off.
  const PasswordAuthenticator* password_login() const { return password_login_.get(); }

 private:
  using RequestDecoder =
      std::function<Result<saml::AuthnRequest, saml::RequestError>()>;
  SsoReply sign_on(const PeerCertificate& card, const RequestDecoder& decode_request,
                   std::string_view session_id, std::string_view client) const;
  SsoReply refuse_card(const LoginFailure& failure, const PeerCertificate& card,
                       std::string_view client) const;
  // sign_on for a browser without a card when the password login is on: reuses a password
  // session, or shows the login page. Requests that need AAL3 get NoAuthnContext.
  SsoReply offer_password_login(const RequestDecoder& decode_request, std::string_view session_id,
                                std::string_view client) const;
  bool allows_password_login(const saml::AuthnRequest& request) const;
  SsoReply show_login_page(const saml::AuthnRequest& request, std::string_view error,
                           std::string_view client) const;
  Result<std::optional<Person>, SsoReply> reread_pending_person(const PendingChoice& pending,
                                                                std::string_view role_id,
                                                                const PeerCertificate& card,
                                                                std::string_view client) const;
  SsoReply finish_role_choice(std::string_view binding, const Person& person,
                              const RoleChoiceForm& form, const PendingChoice& pending,
                              std::string_view client) const;
  void record_assertion(const Person& person, const saml::AuthnRequest& request,
                        const saml::Subject& subject, bool new_session, std::string_view client) const;
  SsoReply reply_for_bad_request(const saml::RequestError& error, std::string_view uid,
                                 std::string_view client) const;
  SsoReply choose_role(const PeerCertificate& card, const Person& person,
                       const saml::AuthnRequest& request, std::string_view session_id,
                       std::string_view client) const;
  SsoReply handle_logout_response(bool post_binding, std::string_view message,
                                  std::string_view client) const;
  SsoReply next_logout_step(LogoutProgress progress, std::string_view client,
                            bool clear_cookie = false) const;
  SsoReply finish_logout(const LogoutProgress& progress, std::string_view client,
                         bool clear_cookie) const;
  // Records the "sso.logout" event of a logout that the browser left before its end, with
  // the SP it was waiting for as no_response.
  void record_expired_logout(const LogoutProgress& progress) const;
  SsoReply complete_login(const Person& person, const RoleProfile* role,
                          const saml::AuthnRequest& request, const SsoSession& session,
                          bool new_session, std::string_view client) const;

  IdentitySource& source_;
  const saml::IdentityProvider& idp_;
  PersistentIdGenerator ids_;
  Clock clock_;
  audit::Sink& audit_;
  // Internally synchronised; a pointer so that the const methods can use it.
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<PasswordAuthenticator> password_login_;  // set by enable_password_login
};

// Returns the Set-Cookie value that sets the session cookie to `id`.
std::string session_cookie(std::string_view id);

// Builds the signed-out page with a "Continue" link to `continue_url` (careid's own `/`
// when empty). With `partial`, the page states that some services did not confirm the
// sign-out.
std::string build_signed_out_page(bool partial, std::string_view continue_url);

// Returns the value of cookie `name` in a Cookie header (RFC 6265 5.4), or empty.
std::string find_cookie(std::string_view cookie_header, std::string_view name);

}  // namespace careid::federation::sso
