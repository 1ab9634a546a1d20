// One outgoing HTTP/1.1 exchange (Boost.Beast), shared by careid's clients: the SP metadata
// fetch and the OpenID Connect back-channel logout sender. Keeping the Beast client code in
// one translation unit also means it is compiled once.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/status.h"
#include "federation/http/http_url.h"

namespace careid::federation::http {

struct ClientLimits {
  // Deadline of each step: resolve, connect, TLS handshake, sending and reading.
  std::chrono::seconds timeout{30};
  // Largest response body read.
  std::size_t max_body_bytes = 64 * 1024;
};

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

using ClientRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Sends `request` to `url`'s host and port and reads the response. For an https:// URL
// it sets SNI and checks that the server's certificate, verified with `tls`, names the
// host. Errors (the message names the step that failed):
//   kUnavailable        resolve, connect, TLS handshake, send or read failed or timed out
//   kResourceExhausted  the response body is larger than limits.max_body_bytes
boost::asio::awaitable<Result<ClientResponse>> exchange_once(boost::asio::ssl::context& tls, const HttpUrl& url,
                                                             ClientRequest request, const ClientLimits& limits);

}  // namespace careid::federation::http
