#include "federation/http/openid_routes.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "federation/http/router.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

asio::awaitable<oidc::OidcReply> run_provider(const oidc::Provider* provider,
                                              oidc::OidcRequest request,
                                              sso::PeerCertificate card, std::string client) {
  co_return provider->handle(request, card, client);
}

Response to_response(oidc::OidcReply reply, const Request& request) {
  // make_text_response sets the security headers that every careid response carries.
  Response response = make_text_response(static_cast<bhttp::status>(reply.status), "",
                                         request.version(), request.keep_alive());
  response.set(bhttp::field::content_type, reply.content_type);
  // RFC 6749 5.1: a response carrying tokens must not be cached; the router's
  // Cache-Control: no-store is already set.
  response.set(bhttp::field::pragma, "no-cache");
  if (!reply.location.empty()) {
    response.set(bhttp::field::location, reply.location);
  }
  if (!reply.www_authenticate.empty()) {
    response.set(bhttp::field::www_authenticate, reply.www_authenticate);
  }
  if (!reply.allow.empty()) {
    response.set(bhttp::field::allow, reply.allow);
  }
  if (!reply.set_cookie.empty()) {
    response.set(bhttp::field::set_cookie, reply.set_cookie);
  }
  // The role page posts to careid itself, and its style and search script are allowed by
  // their hashes.
  if (reply.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", html_content_security_policy(reply.body, "'self'"));
  }
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

}  // namespace

oidc::OidcRequest to_openid_request(const Request& request) {
  std::string_view target = request.target();
  std::size_t question = target.find('?');
  oidc::OidcRequest openid;
  openid.method = std::string(request.method_string());
  openid.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    openid.query = std::string(target.substr(question + 1));
  }
  openid.authorization = std::string(request[bhttp::field::authorization]);
  openid.content_type = std::string(request[bhttp::field::content_type]);
  openid.body = request.body();
  auto cookie = request.find(bhttp::field::cookie);
  if (cookie != request.end()) {
    openid.session_cookie = sso::find_cookie(cookie->value(), sso::kSessionCookie);
  }
  return openid;
}

asio::awaitable<Response> serve_openid(const oidc::Provider* provider,
                                       asio::any_io_executor blocking, Request request,
                                       sso::PeerCertificate card, std::string client) {
  oidc::OidcRequest openid = to_openid_request(request);
  // A named awaitable, because GCC 12 miscompiles temporaries inside co_await.
  auto operation = asio::co_spawn(
      blocking, run_provider(provider, std::move(openid), std::move(card), std::move(client)),
      asio::use_awaitable);
  oidc::OidcReply reply = co_await std::move(operation);
  co_return to_response(std::move(reply), request);
}

}  // namespace careid::federation::http
