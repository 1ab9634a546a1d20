// The OpenID provider's HTTP face: turns a Beast request into an oidc::OidcRequest, runs the
// provider off the I/O threads and turns its reply into a response with the security headers.
#pragma once

#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "federation/oidc/provider.h"
#include "federation/sso/card_login.h"

namespace careid::federation::http {

// Serves one request whose path oidc::Provider::handles(). `provider` must outlive the
// returned coroutine; `blocking` runs the provider, which reads the directory and signs.
// Parameters are taken by value because the coroutine may outlive the caller's buffers.
boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>>
serve_openid(const oidc::Provider* provider, boost::asio::any_io_executor blocking,
             boost::beast::http::request<boost::beast::http::string_body> request,
             sso::PeerCertificate card, std::string client);

// Copies what the provider reads from `request`: method, path, query, Authorization,
// Content-Type, body and the SSO session cookie.
oidc::OidcRequest to_openid_request(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace careid::federation::http
