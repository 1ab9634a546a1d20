// Router: maps one HTTP request to its response.
//
//   GET /saml/metadata  IdP metadata (application/samlmetadata+xml), no card needed
//   GET /saml/sso       HTTP-Redirect AuthnRequest; needs a valid card (else 403); reads the
//                       session cookie and may answer with the role selection page
//   POST /saml/sso      HTTP-POST AuthnRequest in a form body (else 415), then as GET
//   GET|POST /saml/slo  LogoutRequest or LogoutResponse from an SP (Redirect or POST binding);
//                       no card needed; 302 or a POST form with the next LogoutRequest or
//                       the LogoutResponse
//   POST /saml/artifact ArtifactResolve from an SP in a SOAP envelope (text/xml, else 415);
//                       no card needed; a signed ArtifactResponse, or a SOAP fault with 500
//   POST /saml/role     the role page's form; needs the same card
//   GET|POST /logout    ends the SSO session, sends LogoutRequests to its SPs one after
//                       another, and clears the cookie
//   GET /               plain status page naming the endpoints
//   GET /healthz        "ok"
//   GET|POST /oidc/logout  OpenID RP-Initiated Logout: checks the request, then logs out as
//                       /logout does and returns to the client's post_logout_redirect_uri
//   /.well-known/openid-configuration, /oidc/*  the OpenID provider (openid_routes.h)
//   GET /pki/crl, POST /pki/ocsp, GET /pki/ocsp/*  CRL and OCSP (pki_routes.h), no card needed
//   a Mount's prefix    that mount's handler, e.g. the SUS API under /sus/v1/ (sus/api/http)
// Any other path is 404 and any other method 405. Every page is short text/plain except
// the metadata and the SAML auto-submit form, and every response carries the security
// headers (X-Content-Type-Options, Content-Security-Policy, Cache-Control: no-store).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "federation/http/pki_routes.h"
#include "federation/oidc/provider.h"
#include "federation/saml/identity_provider.h"
#include "federation/sso/card_login.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Serves every request whose path starts with `prefix` (such as "/sus/v1/"). The handler
// runs on the blocking pool, so it may read a store or the directory; `client` names the
// peer for logs. The response should carry the security headers (make_text_response).
struct Mount {
  std::string prefix;
  std::function<Response(const Request& request, const std::string& client)> handler;
};

class Router {
 public:
  // `idp` and `sso` must outlive the router. `blocking` runs the SSO step, which signs
  // XML, so that it never holds up an I/O thread.
  // `oidc`, when not null, serves the OpenID paths; it must outlive the router too.
  // `pki` serves /pki/ and sets each card's revocation state before routing.
  Router(const saml::IdentityProvider& idp, const sso::SsoService& sso,
         boost::asio::any_io_executor blocking, const oidc::Provider* oidc = nullptr,
         PkiServices pki = {}, std::vector<Mount> mounts = {});

  // Returns the response for `request` on a connection from `client` whose TLS client
  // certificate is `card`. Parameters are taken by value because the coroutine may outlive
  // the caller's buffers. Keep-alive follows the request.
  boost::asio::awaitable<Response> route(Request request, sso::PeerCertificate card,
                                         std::string client) const;

 private:
  boost::asio::awaitable<Response> single_sign_on(Request request, sso::PeerCertificate card,
                                                  std::string client) const;
  boost::asio::awaitable<Response> single_logout(Request request, std::string client) const;
  boost::asio::awaitable<Response> end_session(Request request, std::string client) const;
  boost::asio::awaitable<Response> choose_role(Request request, sso::PeerCertificate card,
                                               std::string client) const;
  boost::asio::awaitable<Response> resolve_artifact(Request request, sso::PeerCertificate card,
                                                    std::string client) const;

  const saml::IdentityProvider& idp_;
  const sso::SsoService& sso_;
  boost::asio::any_io_executor blocking_;
  const oidc::Provider* oidc_;
  PkiServices pki_;
  std::vector<Mount> mounts_;
};

// Builds a short text/plain response with the security headers; used for errors that the
// session detects before routing (400, 413, 431).
Response make_text_response(boost::beast::http::status status, std::string_view text,
                            unsigned version, bool keep_alive);

// Returns the Content-Security-Policy for an HTML page of careid's own making: scripts and
// styles only by the SHA-256 hashes of the page's inline <script> and <style> elements
// (CSP Level 3, "hash-source"), forms only to `form_origin`, no framing.
std::string html_content_security_policy(std::string_view html, std::string_view form_origin);

}  // namespace careid::federation::http
