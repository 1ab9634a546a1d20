#include "federation/http/router.h"

#include "federation/http/openid_routes.h"

#include <cctype>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// For every page that is not careid's own HTML: nothing may load, run, frame it or submit.
constexpr const char* kPlainPolicy =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

constexpr const char* kStatusPage =
    "careid identity provider\n"
    "\n"
    "GET /saml/metadata  SAML 2.0 IdP metadata\n"
    "GET /saml/sso       single sign-on, HTTP-Redirect binding; needs an NHS smartcard\n"
    "POST /saml/sso      single sign-on, HTTP-POST binding; needs an NHS smartcard\n"
    "GET|POST /saml/slo  SAML Single Logout: a LogoutRequest or LogoutResponse from a service provider\n"
    "POST /saml/artifact SAML ArtifactResolutionService (SOAP) for service providers\n"
    "POST /saml/role     the role choice form of the single sign-on page\n"
    "POST /saml/login    the password + TOTP login form, when [login] password_fallback is on\n"
    "GET /logout         ends the careid session (POST works too)\n"
    "POST /oidc/login    the password + TOTP login form of an OpenID Connect sign-in, when on\n"
    "POST /oidc/role     the role choice form of an OpenID Connect sign-in\n"
    "GET|POST /oidc/logout  OpenID Connect RP-Initiated Logout\n"
    "GET /healthz        returns ok while the server runs\n"
    "GET /pki/crl        the card CA's certificate revocation list (DER)\n"
    "POST /pki/ocsp      the card CA's OCSP responder (RFC 6960)\n";

void add_security_headers(Response& response, std::string_view policy) {
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy", policy);
  response.set("Referrer-Policy", "no-referrer");
  response.set(bhttp::field::x_frame_options, "DENY");
  response.set(bhttp::field::cache_control, "no-store");
}

Response make_body_response(std::string body, std::string_view content_type,
                            const Request& request) {
  Response response{bhttp::status::ok, request.version()};
  response.set(bhttp::field::content_type, content_type);
  add_security_headers(response, kPlainPolicy);
  response.body() = std::move(body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

// Appends a hash-source for the content of every <tag ...>...</tag> element. It is a
// substring scan, not an HTML parser, so use it only on HTML that careid generated.
void append_element_hashes(std::string_view html, std::string_view tag, std::string& sources) {
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t position = 0;
  while ((position = html.find(open, position)) != std::string_view::npos) {
    std::size_t content = html.find('>', position);
    if (content == std::string_view::npos) {
      return;
    }
    ++content;
    std::size_t end = html.find(close, content);
    if (end == std::string_view::npos) {
      return;
    }

    Result<pki::Bytes> digest = pki::sha256(pki::as_bytes(html.substr(content, end - content)));
    if (digest.ok()) {
      sources += " 'sha256-" + pki::base64_encode(*digest) + "'";
    }
    position = end + close.size();
  }
}

// Returns "scheme://authority" of `url`. Returns 'none' when `url` is not an http(s) URL
// or contains a character that could end the policy directive.
std::string origin_of(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos ||
      (url.substr(0, scheme_end) != "https" && url.substr(0, scheme_end) != "http")) {
    return "'none'";
  }
  std::size_t authority_end = url.find_first_of("/?#", scheme_end + 3);
  std::string_view origin = url.substr(0, authority_end);
  for (char c : origin) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                   c == ':' || c == '/' || c == '[' || c == ']';
    if (!allowed) {
      return "'none'";
    }
  }
  return std::string(origin);
}

// `message` is the query string of a Redirect request or the form body of a POST request.
asio::awaitable<sso::SsoReply> run_single_sign_on(const sso::SsoService* sso,
                                                  sso::PeerCertificate card, bool post_binding,
                                                  std::string message, std::string session_id,
                                                  std::string client) {
  if (post_binding) {
    co_return sso->handle_sso_post(card, message, session_id, client);
  }
  co_return sso->handle_sso(card, message, session_id, client);
}

asio::awaitable<sso::SsoReply> run_logout_request(const sso::SsoService* sso, bool post_binding,
                                                  std::string message, std::string session_id,
                                                  std::string client) {
  co_return sso->handle_logout_request(post_binding, message, session_id, client);
}

asio::awaitable<sso::SsoReply> run_logout(const sso::SsoService* sso, std::string session_id,
                                          std::string client) {
  co_return sso->handle_logout(session_id, client);
}

// The outcome of an OpenID logout: the provider's 400 reply when the request was rejected,
// else the SSO logout's reply.
struct EndSessionOutcome {
  std::optional<oidc::OidcReply> rejected;
  sso::SsoReply reply;
};

asio::awaitable<EndSessionOutcome> run_end_session(const oidc::Provider* provider,
                                                   const sso::SsoService* sso,
                                                   oidc::OidcRequest request, std::string client) {
  auto checked = provider->check_end_session(request, client);
  if (!checked.ok()) {
    co_return EndSessionOutcome{checked.error(), {}};
  }
  sso::SsoService::LogoutOptions options{checked->post_logout_redirect, checked->sid};
  co_return EndSessionOutcome{std::nullopt,
                              sso->handle_logout(request.session_cookie, client, options)};
}

// The media type of the request's Content-Type without parameters such as charset, or
// empty without the header. It views into `request`.
std::string_view media_type_of(const Request& request) {
  auto header = request.find(bhttp::field::content_type);
  if (header == request.end()) {
    return {};
  }
  std::string_view type = header->value();
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') {
    type.remove_suffix(1);
  }
  return type;
}

// True when the request's Content-Type is application/x-www-form-urlencoded, with or without
// parameters such as charset.
bool is_form_body(const Request& request) {
  return boost::beast::iequals(media_type_of(request), "application/x-www-form-urlencoded");
}

asio::awaitable<sso::SsoReply> run_password_login(const sso::SsoService* sso, std::string body,
                                                  std::string client) {
  co_return sso->handle_password_login(body, client);
}

asio::awaitable<sso::SsoReply> run_role_choice(const sso::SsoService* sso,
                                               sso::PeerCertificate card, std::string body,
                                               std::string client) {
  co_return sso->handle_role_choice(card, body, client);
}

// The session cookie of `request`, or empty.
std::string session_cookie_of(const Request& request) {
  auto header = request.find(bhttp::field::cookie);
  if (header == request.end()) {
    return {};
  }
  return sso::find_cookie(header->value(), sso::kSessionCookie);
}

Response make_html_page(sso::SsoReply reply, const Request& request) {
  using Kind = sso::SsoReply::Kind;
  // The role and login pages post to careid itself; the SAML form posts to the SP's ACS.
  bool own_form = reply.kind == Kind::kRolePage || reply.kind == Kind::kLoginPage;
  std::string form_origin = own_form ? std::string("'self'") : origin_of(reply.acs_url);
  std::string policy = html_content_security_policy(reply.body, form_origin);
  Response response =
      make_body_response(std::move(reply.body), "text/html; charset=utf-8", request);
  response.set("Content-Security-Policy", policy);
  // SAML Bindings 3.5.5.1: no cache may keep a page that carries a SAML message.
  response.set(bhttp::field::cache_control, "no-cache, no-store");
  response.set(bhttp::field::pragma, "no-cache");
  return response;
}

Response unsupported_form_response(const Request& request) {
  return make_text_response(bhttp::status::unsupported_media_type,
                            "The SAML HTTP-POST binding sends a form: use Content-Type "
                            "application/x-www-form-urlencoded.",
                            request.version(), request.keep_alive());
}

// The SAML message as the binding carries it: the form body of a POST, else the raw query
// string (everything after '?').
std::string saml_message_of(const Request& request) {
  if (request.method() == bhttp::verb::post) {
    return request.body();
  }
  std::string_view target = request.target();
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) {
    return {};
  }
  return std::string(target.substr(question + 1));
}

Response make_sso_response_without_cookie(sso::SsoReply reply, const Request& request) {
  using Kind = sso::SsoReply::Kind;
  switch (reply.kind) {
    case Kind::kPostForm:
    case Kind::kRolePage:
    case Kind::kLoginPage:
    case Kind::kLoggedOut:
      return make_html_page(std::move(reply), request);
    case Kind::kRedirect: {
      Response response = make_text_response(bhttp::status::found, "Redirecting.",
                                             request.version(), request.keep_alive());
      response.set(bhttp::field::location, reply.acs_url);
      return response;
    }
    case Kind::kDenied:
      return make_text_response(bhttp::status::forbidden, "Access denied.\n\n" + reply.body,
                                request.version(), request.keep_alive());
    case Kind::kBadRequest:
      return make_text_response(bhttp::status::bad_request,
                                "The SAML request was rejected.\n\n" + reply.body,
                                request.version(), request.keep_alive());
    case Kind::kUnavailable:
      return make_text_response(bhttp::status::service_unavailable, reply.body, request.version(),
                                request.keep_alive());
    case Kind::kInternalError:
      break;
  }
  return make_text_response(bhttp::status::internal_server_error, reply.body, request.version(),
                            request.keep_alive());
}

Response make_sso_response(sso::SsoReply reply, const Request& request) {
  std::string cookie = std::move(reply.set_cookie);
  Response response = make_sso_response_without_cookie(std::move(reply), request);
  if (!cookie.empty()) {
    response.set(bhttp::field::set_cookie, cookie);
  }
  return response;
}

// True for text/xml (SOAP 1.1) and application/soap+xml, which some SAML libraries send.
bool is_soap_body(const Request& request) {
  std::string_view type = media_type_of(request);
  return boost::beast::iequals(type, "text/xml") ||
         boost::beast::iequals(type, "application/soap+xml");
}

asio::awaitable<saml::SoapReply> run_artifact_resolve(const saml::IdentityProvider* idp,
                                                      std::string body, std::string certificate,
                                                      std::string client) {
  co_return idp->resolve_artifact(body, certificate, client);
}

asio::awaitable<Response> call_mount(const Mount* mount, Request request, std::string client) {
  co_return mount->handler(request, client);
}

// Runs a mount's handler on the blocking pool. `mount` is owned by the router, which
// outlives every connection.
asio::awaitable<Response> serve_mount(const Mount* mount, asio::any_io_executor blocking,
                                      Request request, std::string client) {
  // A named awaitable, because GCC 12 miscompiles temporaries inside co_await.
  auto operation = asio::co_spawn(blocking, call_mount(mount, std::move(request), std::move(client)),
                                  asio::use_awaitable);
  co_return co_await std::move(operation);
}

}  // namespace

Response make_text_response(bhttp::status status, std::string_view text, unsigned version,
                            bool keep_alive) {
  Response response{status, version};
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  add_security_headers(response, kPlainPolicy);
  response.body() = std::string(text);
  if (response.body().empty() || response.body().back() != '\n') {
    response.body().push_back('\n');
  }
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

std::string html_content_security_policy(std::string_view html, std::string_view form_origin) {
  std::string scripts;
  append_element_hashes(html, "script", scripts);
  std::string styles;
  append_element_hashes(html, "style", styles);

  std::string policy = "default-src 'none'; script-src";
  policy += scripts.empty() ? " 'none'" : scripts;
  policy += "; style-src";
  policy += styles.empty() ? " 'none'" : styles;
  policy += "; form-action ";
  policy += form_origin;
  policy += "; frame-ancestors 'none'; base-uri 'none'";
  return policy;
}

Router::Router(const saml::IdentityProvider& idp, const sso::SsoService& sso,
               asio::any_io_executor blocking, const oidc::Provider* oidc, PkiServices pki,
               std::vector<Mount> mounts)
    : idp_(idp),
      sso_(sso),
      blocking_(std::move(blocking)),
      oidc_(oidc),
      pki_(pki),
      mounts_(std::move(mounts)) {}

asio::awaitable<Response> Router::route(Request request, sso::PeerCertificate card,
                                        std::string client) const {
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  // Per request, not per connection, so a revocation also ends a kept-alive connection's logins.
  if (pki_.revocations != nullptr && card.present) {
    card.revocation = pki_.revocations->lookup(card.serial_hex);
  }
  if (is_pki_path(path)) {
    auto served = serve_pki(pki_, blocking_, std::move(request));
    co_return co_await std::move(served);
  }
  if (oidc_ != nullptr && path == oidc::kEndSessionPath) {
    co_return co_await end_session(std::move(request), std::move(client));
  }
  if (oidc_ != nullptr && oidc::Provider::handles(path)) {
    auto openid = serve_openid(oidc_, blocking_, std::move(request), std::move(card),
                               std::move(client));
    co_return co_await std::move(openid);
  }
  for (const Mount& mount : mounts_) {
    if (path.starts_with(mount.prefix)) {
      auto served = serve_mount(&mount, blocking_, std::move(request), std::move(client));
      co_return co_await std::move(served);
    }
  }

  if (path == "/saml/artifact") {
    co_return co_await resolve_artifact(std::move(request), std::move(card), std::move(client));
  }

  bool known = path == "/" || path == "/healthz" || path == "/saml/metadata" ||
               path == "/saml/sso" || path == "/saml/role" || path == "/saml/login" ||
               path == "/logout" || path == "/saml/slo";
  if (!known) {
    co_return make_text_response(bhttp::status::not_found,
                                 "Not found. The page at / lists the endpoints.", request.version(),
                                 request.keep_alive());
  }
  // The role form is POST only; logout takes GET (a link) and POST (a form); SSO takes the
  // HTTP-Redirect (GET) and HTTP-POST bindings.
  bool is_get = request.method() == bhttp::verb::get;
  bool is_post = request.method() == bhttp::verb::post;
  bool post_allowed = path == "/logout" || path == "/saml/sso" || path == "/saml/slo";
  bool post_only = path == "/saml/role" || path == "/saml/login";
  bool allowed = post_only ? is_post : (is_get || (post_allowed && is_post));
  if (!allowed) {
    std::string_view allow = "GET";
    if (post_only) {
      allow = "POST";
    } else if (post_allowed) {
      allow = "GET, POST";
    }
    Response response = make_text_response(bhttp::status::method_not_allowed,
                                           "Method not allowed. This page takes " +
                                               std::string(allow) + ".",
                                           request.version(), request.keep_alive());
    response.set(bhttp::field::allow, allow);
    co_return response;
  }

  if (path == "/saml/role") {
    auto choice = choose_role(std::move(request), std::move(card), std::move(client));
    co_return co_await std::move(choice);
  }
  if (path == "/saml/login") {
    // Password checks (Argon2id) and signing the Response block, so they run off the I/O thread.
    auto login = run_password_login(&sso_, request.body(), std::move(client));
    auto work = asio::co_spawn(blocking_, std::move(login), asio::use_awaitable);
    sso::SsoReply reply = co_await std::move(work);
    co_return make_sso_response(std::move(reply), request);
  }
  if (path == "/logout") {
    // Signing the LogoutRequests to the session's SPs blocks, so it runs off the I/O thread.
    std::string session_id = session_cookie_of(request);
    auto logout = run_logout(&sso_, std::move(session_id), std::move(client));
    auto work = asio::co_spawn(blocking_, std::move(logout), asio::use_awaitable);
    sso::SsoReply reply = co_await std::move(work);
    co_return make_sso_response(std::move(reply), request);
  }

  if (path == "/saml/slo") {
    co_return co_await single_logout(std::move(request), std::move(client));
  }
  if (path == "/saml/sso") {
    co_return co_await single_sign_on(std::move(request), std::move(card), std::move(client));
  }
  if (path == "/saml/metadata") {
    co_return make_body_response(idp_.metadata_xml(), "application/samlmetadata+xml", request);
  }
  if (path == "/healthz") {
    co_return make_body_response("ok\n", "text/plain; charset=utf-8", request);
  }
  co_return make_body_response(kStatusPage, "text/plain; charset=utf-8", request);
}

asio::awaitable<Response> Router::end_session(Request request, std::string client) const {
  bool is_get = request.method() == bhttp::verb::get;
  if (!is_get && request.method() != bhttp::verb::post) {
    Response response = make_text_response(bhttp::status::method_not_allowed,
                                           "Method not allowed. This page takes GET, POST.",
                                           request.version(), request.keep_alive());
    response.set(bhttp::field::allow, "GET, POST");
    co_return response;
  }

  // Signing the LogoutRequests to the session's SAML SPs blocks, so it runs off the I/O thread.
  auto logout = run_end_session(oidc_, &sso_, to_openid_request(request), std::move(client));
  auto work = asio::co_spawn(blocking_, std::move(logout), asio::use_awaitable);
  EndSessionOutcome outcome = co_await std::move(work);
  if (outcome.rejected.has_value()) {
    co_return make_text_response(static_cast<bhttp::status>(outcome.rejected->status),
                                 outcome.rejected->body, request.version(), request.keep_alive());
  }
  co_return make_sso_response(std::move(outcome.reply), request);
}

asio::awaitable<Response> Router::single_sign_on(Request request, sso::PeerCertificate card,
                                                 std::string client) const {
  bool post_binding = request.method() == bhttp::verb::post;
  if (post_binding && !is_form_body(request)) {
    co_return unsupported_form_response(request);
  }
  std::string message = saml_message_of(request);

  // GCC 12 miscompiles temporaries inside co_await, so each awaitable is a named local.
  std::string session_id = session_cookie_of(request);
  auto login = run_single_sign_on(&sso_, std::move(card), post_binding, std::move(message),
                                  std::move(session_id), std::move(client));
  auto work = asio::co_spawn(blocking_, std::move(login), asio::use_awaitable);
  sso::SsoReply reply = co_await std::move(work);
  co_return make_sso_response(std::move(reply), request);
}

asio::awaitable<Response> Router::single_logout(Request request, std::string client) const {
  bool post_binding = request.method() == bhttp::verb::post;
  if (post_binding && !is_form_body(request)) {
    co_return unsupported_form_response(request);
  }
  std::string message = saml_message_of(request);
  std::string session_id = session_cookie_of(request);
  auto logout = run_logout_request(&sso_, post_binding, std::move(message), std::move(session_id),
                                   std::move(client));
  auto work = asio::co_spawn(blocking_, std::move(logout), asio::use_awaitable);
  sso::SsoReply reply = co_await std::move(work);
  co_return make_sso_response(std::move(reply), request);
}

asio::awaitable<Response> Router::resolve_artifact(Request request, sso::PeerCertificate card,
                                                   std::string client) const {
  if (request.method() != bhttp::verb::post) {
    Response response = make_text_response(bhttp::status::method_not_allowed,
                                           "Method not allowed. This page takes POST.",
                                           request.version(), request.keep_alive());
    response.set(bhttp::field::allow, "POST");
    co_return response;
  }
  if (!is_soap_body(request)) {
    co_return make_text_response(bhttp::status::unsupported_media_type,
                                 "The SAML SOAP binding sends a SOAP 1.1 envelope: use "
                                 "Content-Type text/xml.",
                                 request.version(), request.keep_alive());
  }

  // Verifying the ArtifactResolve and signing the ArtifactResponse block, so they run off
  // the I/O thread.
  auto resolve = run_artifact_resolve(&idp_, std::move(request.body()), std::move(card.der),
                                      std::move(client));
  auto work = asio::co_spawn(blocking_, std::move(resolve), asio::use_awaitable);
  saml::SoapReply reply = co_await std::move(work);
  if (reply.body.empty()) {
    co_return make_text_response(bhttp::status::not_found,
                                 "The HTTP-Artifact binding is not configured.", request.version(),
                                 request.keep_alive());
  }
  Response response = make_body_response(std::move(reply.body), "text/xml; charset=utf-8", request);
  response.result(static_cast<bhttp::status>(reply.http_status));
  // As with the HTTP-POST page, no cache may keep a page that carries a SAML message.
  response.set(bhttp::field::cache_control, "no-cache, no-store");
  response.set(bhttp::field::pragma, "no-cache");
  co_return response;
}

asio::awaitable<Response> Router::choose_role(Request request, sso::PeerCertificate card,
                                              std::string client) const {
  std::string body = request.body();
  auto choice = run_role_choice(&sso_, std::move(card), std::move(body), std::move(client));
  auto work = asio::co_spawn(blocking_, std::move(choice), asio::use_awaitable);
  sso::SsoReply reply = co_await std::move(work);
  co_return make_sso_response(std::move(reply), request);
}

}  // namespace careid::federation::http
