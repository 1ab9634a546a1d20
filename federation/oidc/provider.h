// Provider: the OpenID Connect provider's endpoint logic, without HTTP. The HTTPS router
// turns a request into an OidcRequest and the OidcReply into a response.
//
//   GET  /.well-known/openid-configuration  discovery document (OIDC Discovery 3, RFC 8414)
//   GET  /oidc/jwks                         public signing keys (RFC 7517)
//   GET  /oidc/authorize                    authorization code flow (OIDC Core 3.1.2); the
//                                           user signs in with the card's TLS certificate,
//                                           or without one on the password + TOTP login page
//   POST /oidc/login                        the password + TOTP login page's form
//                                           (sso/password_login.h), then as /oidc/authorize
//   POST /oidc/role                         the role page's form (sso/role_page.h); needs
//                                           the same card or password login, then completes
//                                           the authorization
//   POST /oidc/token                        code redemption (RFC 6749 4.1.3, RFC 7636 4.6),
//                                           refresh (RFC 6749 6), client credentials
//                                           (RFC 6749 4.4)
//   GET or POST /oidc/userinfo              claims for a bearer access token (OIDC Core 5.3)
//   POST /oidc/introspect                   access token state (RFC 7662)
//   POST /oidc/revoke                       token revocation (RFC 7009)
//   GET or POST /oidc/logout                RP-Initiated Logout 1.0; check_end_session() checks
//                                           it, and the HTTP layer runs the SSO logout
//
// Only response_type=code is served. Public clients must use PKCE with S256; "plain" is
// refused for every client. Codes live code_lifetime and are used once; a code presented
// again revokes the tokens issued for it. Refresh tokens rotate on every use, and a used one
// presented again revokes its whole family (see token_store.h). ID tokens (typ JWT) and access tokens (typ at+jwt, RFC 9068) are signed JWTs;
// their `sub` is pairwise, derived like the SAML persistent NameID with the client_id in
// place of the SP entity ID. The claim profile is in federation/README.md.
//
// Each request is logged once on the "federation" logger as `oidc endpoint=... outcome=...
// client_id=...`; codes, tokens, secrets and verifiers are never logged.
//
// SSO sessions (attach_sessions): an authorization request joins the browser's SSO session
// for the same card, or starts one, so that its tokens carry the session's `sid` and role
// and its refresh tokens end with the session. A session is joined only while its role is
// one of the person's role profiles. Otherwise a person with one role gets a session in it,
// and a person with several roles gets the role page. The chosen role becomes the session's
// role and the `selected_roleid` of the tokens. Without attached sessions no role is selected.
// When the session ends, the refresh tokens of its logins are revoked and each client that
// redeemed a code in it gets a Back-Channel Logout 1.0 logout token through the
// LogoutNotifier.
//
// Password + TOTP login (attach_sessions with a PasswordAuthenticator): a browser without a
// card gets the login page of SAML logins, with the same checks, and its SSO session is
// bound to sso::kPasswordSessionBinding. Its tokens carry acr AAL2 in place of AAL3. A
// request that needs AAL3 (acr_values naming only AAL3, or a client listed in
// login.card_only_service_providers) is rejected with access_denied, or login_required for
// prompt=none, and never downgraded.
//
// Thread safety: every method but attach_sessions is const and may run on several threads at
// once. authorize, token and userinfo read the directory and sign, so call handle() off the
// I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "base/reloadable.h"
#include "federation/oidc/backchannel.h"
#include "federation/oidc/clients.h"
#include "federation/oidc/code_store.h"
#include "federation/oidc/form.h"
#include "federation/oidc/jose.h"
#include "federation/oidc/token_store.h"
#include "federation/sso/card_login.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/password_authenticator.h"
#include "federation/sso/persistent_id.h"
#include "federation/sso/session_store.h"

namespace careid::federation::oidc {

// acr and amr of a card login: a smartcard with its PIN is NIST SP 800-63B AAL3, and "sc" is
// the RFC 8176 2 method value for a smart card.
inline constexpr const char* kAcrSmartcard = "AAL3";
inline constexpr const char* kAmrSmartcard = "sc";
// acr of a password + TOTP login: two factors, neither of them hardware-bound, are AAL2.
// Its amr is "pwd", "otp" and "mfa" (RFC 8176 2).
inline constexpr const char* kAcrPasswordTotp = "AAL2";
// The acr_values that NHS CIS2 clients send: any AAL3 authenticator, or any of AAL2 or AAL3.
// careid reads them as "AAL3" and "AAL2", so such clients work unchanged.
inline constexpr const char* kAcrRequestAal3 = "AAL3_ANY";
inline constexpr const char* kAcrRequestAal2OrAal3 = "AAL2_OR_AAL3_ANY";

// Scopes the provider serves; a client's registration may allow a subset.
inline constexpr const char* kScopeOpenId = "openid";
inline constexpr const char* kScopeProfile = "profile";
inline constexpr const char* kScopeNationalRbac = "nationalrbacaccess";
// OIDC Core 11: requests a refresh token. Only clients allowed the refresh_token grant
// may request it.
inline constexpr const char* kScopeOfflineAccess = "offline_access";

struct ProviderSettings {
  // `iss` of every token and the base of every endpoint URL, without a trailing slash.
  std::string issuer;
  std::chrono::seconds code_lifetime{60};
  std::chrono::seconds access_token_lifetime{600};
  std::chrono::seconds id_token_lifetime{600};
  // Lifetime of each refresh token; rotation issues a new one with a fresh lifetime, but
  // never beyond the absolute end of the login's SSO session.
  std::chrono::seconds refresh_token_lifetime{8 * 3600};
  // Bounds of the in-memory stores (code_store.h, token_store.h).
  std::size_t max_codes = CodeStore::kDefaultMaxCodes;
  std::size_t max_token_families = TokenStore::kDefaultMaxFamilies;
  std::size_t max_assertion_ids = TokenStore::kDefaultMaxAssertionIds;
  // Lifetime of a Back-Channel Logout token.
  std::chrono::seconds logout_token_lifetime{120};
  // The rule that maps a card certificate to its holder ([card_login]).
  sso::CardMapping card_mapping;
};

// Path of the role page's form action for OpenID logins.
inline constexpr std::string_view kRoleChoicePath = "/oidc/role";

// Path of the password + TOTP login page's form action for OpenID logins.
inline constexpr std::string_view kLoginPath = "/oidc/login";

// Path of the RP-Initiated Logout endpoint (end_session_endpoint in discovery).
inline constexpr std::string_view kEndSessionPath = "/oidc/logout";

// A checked RP-Initiated Logout request.
struct EndSessionRequest {
  std::string client_id;  // empty when neither client_id nor id_token_hint named one
  // The registered post_logout_redirect_uri with `state` added; empty for none.
  std::string post_logout_redirect;
  std::string sid;  // the `sid` of the id_token_hint; empty without one
};

struct OidcRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string query;   // after '?', raw
  std::string authorization;  // the Authorization header, raw
  std::string content_type;
  std::string body;
  std::string session_cookie;  // the value of the SSO session cookie, empty for none
};

struct OidcReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string location;          // for 302: the redirect to the client
  std::string www_authenticate;  // for 401
  std::string allow;             // for 405
  std::string set_cookie;        // a Set-Cookie value: the SSO session an authorization started
};

class Provider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `source` and `audit` must outlive the provider. `audit` receives an "oidc.token" event
  // for every token response issued.
  Provider(ProviderSettings settings, KeySet keys, ClientRegistry clients, IdentitySource& source,
           sso::PersistentIdGenerator ids, Clock clock = std::chrono::system_clock::now,
           audit::Sink& audit = audit::null_sink());

  // True for the paths listed above, which handle() serves.
  static bool handles(std::string_view path);

  // Serves one request on a connection whose TLS client certificate is `card`; `peer`
  // names the peer in logs. A known path with another method is 405.
  OidcReply handle(const OidcRequest& request, const sso::PeerCertificate& card,
                   std::string_view peer) const;

  OidcReply discovery() const;
  OidcReply jwks() const;
  OidcReply authorize(const sso::PeerCertificate& card, std::string_view query,
                      std::string_view peer) const;
  // As above, in the SSO session whose cookie value is `session_cookie` when it belongs to
  // the same card and person. Otherwise a new session starts, and the reply sets its cookie.
  OidcReply authorize(const sso::PeerCertificate& card, std::string_view query,
                      std::string_view session_cookie, std::string_view peer) const;
  // Handles POST /oidc/role with the role page's form body. The CSRF token must name an
  // authorization request that showed the role page to the same card less than
  // SessionSettings::choice_timeout ago, and each token works once (else 403). The role
  // must be one of the card holder's role profiles (else 400). The stored request is then
  // checked again and completed as authorize() does, in a new SSO session with that role.
  OidcReply choose_role(const sso::PeerCertificate& card, std::string_view form_body,
                        std::string_view peer) const;
  // Handles POST /oidc/login with the login page's form body. The CSRF token must name a
  // login page that /oidc/authorize showed less than SessionSettings::choice_timeout ago,
  // and each token works once (else 403). A rejected login gets a new page with a new
  // token, a directory failure 503. An accepted one completes the stored authorization
  // request as authorize() does, in a new SSO session bound to sso::kPasswordSessionBinding.
  // 404 while the password login is off.
  OidcReply sign_in_with_password(std::string_view form_body, std::string_view peer) const;
  OidcReply token(const OidcRequest& request, std::string_view peer) const;
  OidcReply userinfo(const OidcRequest& request) const;
  OidcReply introspect(const OidcRequest& request) const;
  OidcReply revoke(const OidcRequest& request, std::string_view peer) const;

  // Checks an RP-Initiated Logout 1.0 request (section 2): the GET query or POST form of
  // `request`. An id_token_hint must carry careid's signature and `iss`, and an expired one
  // is accepted. A post_logout_redirect_uri must equal one that its client registered. The
  // error is a 400 page; the request is then not redirected anywhere.
  Result<EndSessionRequest, OidcReply> check_end_session(const OidcRequest& request,
                                                         std::string_view peer) const;

  // Uses `sessions` for the SSO sessions of authorization requests, and sends Back-Channel
  // Logout tokens through `notifier` (may be null for none) when a session ends. With
  // `password_login`, a browser without a card may sign in with a password and TOTP code.
  // All must outlive the provider's use of them; call it once, before requests are served.
  void attach_sessions(sso::SessionStore& sessions, LogoutNotifier* notifier,
                       const sso::PasswordAuthenticator* password_login = nullptr);

  // Stops using the attached sessions and notifier, before they are destroyed. Call it when
  // no request is being served and nothing can end a session.
  void detach_sessions();

  // Revokes the refresh tokens of the session's logins and, unless it ended by idle timeout
  // or eviction, sends a logout token to each client of the session that registered a
  // backchannel_logout_uri. It only queues the requests, so it does not wait for the network.
  void session_ended(const sso::SsoSession& session, sso::SessionEnd reason) const;

  // Builds the Back-Channel Logout 1.0 logout token (section 2.4) for `client`.
  Result<std::string> logout_token(const Client& client, std::string_view uid,
                                   std::string_view sid) const;

  // The registered clients. The reference stays valid for the provider's lifetime, also
  // after replace_clients().
  const ClientRegistry& clients() const { return clients_.get(); }

  // Makes `clients` the registered clients for requests that start after the call; a
  // request in progress keeps the registry it read. Thread-safe.
  void replace_clients(ClientRegistry clients) { clients_.replace(std::move(clients)); }
  // Checks an access token for a resource server (userinfo, introspection, the SUS API):
  // typ at+jwt signed by a key of keys() with its own algorithm, an unexpired exp, this
  // issuer, the userinfo audience and a jti that was not revoked. Returns its claims, or a
  // 401 reply with an RFC 6750 invalid_token challenge.
  Result<Json, OidcReply> verify_access_token(std::string_view token) const;
  const KeySet& keys() const { return keys_; }
  std::string endpoint(std::string_view path) const { return settings_.issuer + std::string(path); }

 private:
  struct AuthenticatedClient {
    const Client* client = nullptr;
    Parameters parameters;
  };

  Result<AuthenticatedClient, OidcReply> authenticate_client(const OidcRequest& request) const;
  // Checks a private_key_jwt client assertion; the error is the reason, for the log only.
  Result<const Client*, std::string> authenticate_by_assertion(const Parameters& parameters) const;
  // Tokens that issue_tokens adds beside the access token. A non-empty `family` links the
  // access token to a TokenStore family, so that revoking the family revokes it.
  struct IssueOptions {
    std::string family;
    bool id_token = true;
    bool refresh_token = false;
    bool nonce = true;
  };

  OidcReply redeem_code(const Client& client, const Parameters& parameters,
                        std::string_view peer) const;
  OidcReply refresh(const Client& client, const Parameters& parameters,
                    std::string_view peer) const;
  OidcReply client_credentials(const Client& client, const Parameters& parameters,
                               std::string_view peer) const;
  OidcReply issue_tokens(const AuthorizationGrant& grant, const Client& client,
                         const IssueOptions& options) const;
  void record_token_event(const Client& client, const AuthorizationGrant& grant,
                          std::string_view grant_type, std::string_view peer) const;
  Result<std::string> pairwise_subject(std::string_view client_id, std::string_view uid) const;
  // An authorization request whose client, redirect_uri and parameters passed the checks.
  struct CheckedAuthorization {
    Parameters parameters;
    const Client* client = nullptr;
    std::string redirect_uri;
    std::string state;  // empty when the request has none or it was too long
  };

  // The person signing in and the binding of their SSO session: the card certificate's
  // SHA-256 fingerprint, or sso::kPasswordSessionBinding after a password + TOTP login.
  struct SignIn {
    std::string binding;
    Person person;
  };

  // Checks the authorization request `query` up to, not including, the person. The error
  // is the 400 page or the redirect with `error` to send.
  Result<CheckedAuthorization, OidcReply> check_authorization(std::string_view query,
                                                              std::string_view peer) const;
  // Returns the redirect to the client's redirect_uri with `error`, `error_description`,
  // `state` and `iss` (RFC 6749 4.1.2.1, RFC 9207), and logs it.
  OidcReply redirect_error(const CheckedAuthorization& request, std::string_view error,
                           std::string_view description, std::string_view peer) const;
  // authorize() with the role that the person chose on the role page, or with an empty
  // `chosen_role` for a request from the client.
  OidcReply authorize_in_role(const sso::PeerCertificate& card, std::string_view query,
                              std::string_view session_cookie, std::string_view peer,
                              std::string_view chosen_role) const;
  // Checks `query` again and completes it for a person who already signed in, on the role
  // page or the login page.
  OidcReply authorize_signed_in(const SignIn& sign_in, std::string_view query,
                                std::string_view peer, std::string_view chosen_role) const;
  // The rest of authorize() once the person is known: the SSO session, the role page or
  // the code.
  OidcReply complete_authorization(const CheckedAuthorization& request, const SignIn& sign_in,
                                   std::string_view query, std::string_view session_cookie,
                                   std::string_view peer, std::string_view chosen_role) const;
  // authorize() for a browser without a card while the password login is on: the error
  // redirect when the request needs AAL3, the browser's password session, or the login page.
  OidcReply offer_password_login(const CheckedAuthorization& request, std::string_view query,
                                 std::string_view session_cookie, std::string_view peer) const;
  // Returns the error redirect for a request that a password login cannot satisfy: its
  // acr_values need AAL3, or its client is card-only. Other requests get nullopt.
  std::optional<OidcReply> reject_without_card(const CheckedAuthorization& request,
                                               std::string_view peer) const;
  // Stores `query` for the login page and returns the page, or nullopt when it cannot be
  // stored.
  std::optional<OidcReply> show_login_page(std::string_view query, std::string_view error) const;
  // The browser's SSO session for this binding and person when its role is still one of the
  // person's role profiles. A session of the person without such a role is ended.
  std::optional<sso::SsoSession> find_session(const SignIn& sign_in,
                                              std::string_view session_cookie) const;
  // Stores the request for a role choice and returns the role page, or nullopt when the
  // request cannot be stored.
  std::optional<OidcReply> show_role_page(const SignIn& sign_in, std::string_view query) const;
  // Joins `session` or, without one, starts a session in `role` (the only role when empty)
  // and fills the grant's session fields. Returns the Set-Cookie value of a new session,
  // or empty.
  Result<std::string> join_session(const SignIn& sign_in, std::optional<sso::SsoSession> session,
                                   std::string_view role, AuthorizationGrant& grant) const;
  // Checks that the grant's SSO session is still live and records the client in it.
  bool bind_to_session(const AuthorizationGrant& grant) const;

  ProviderSettings settings_;
  KeySet keys_;
  Reloadable<ClientRegistry> clients_;
  IdentitySource& source_;
  sso::PersistentIdGenerator ids_;
  Clock clock_;
  audit::Sink& audit_;
  // Thread-safe on its own; mutable because redeeming a code is not a change of the
  // provider's configuration.
  mutable CodeStore codes_;
  mutable TokenStore tokens_;
  sso::SessionStore* sessions_ = nullptr;
  LogoutNotifier* notifier_ = nullptr;
  const sso::PasswordAuthenticator* password_login_ = nullptr;  // null: card logins only
};

// Builds an OAuth error body {"error": ..., "error_description": ...} (RFC 6749 5.2).
OidcReply oauth_error(int status, std::string_view error, std::string_view description);

// Builds a text/plain page with `status`, for errors shown to the browser, not the client.
OidcReply text_reply(int status, std::string body);

// Splits a space-delimited scope parameter (RFC 6749 3.3), dropping repeats.
std::vector<std::string> split_scopes(std::string_view scope);

bool has_scope(const std::vector<std::string>& scopes, std::string_view scope);

// True when the request carries client_assertion or client_assertion_type (RFC 7521 4.2).
bool has_client_assertion(const Parameters& parameters);

}  // namespace careid::federation::oidc
