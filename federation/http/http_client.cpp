#include "federation/http/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Resolves `url`'s host with a deadline, because the resolver has no timeout of its own.
asio::awaitable<Result<tcp::resolver::results_type>> resolve(const HttpUrl& url, std::chrono::seconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([&resolver](boost::system::error_code waited) {
    if (!waited) {
      resolver.cancel();
    }
  });

  auto [error, endpoints] = co_await resolver.async_resolve(url.host, url.port, kNoThrow);
  deadline.cancel();
  if (error) {
    co_return Status::unavailable("resolving " + url.host + " failed: " + error.message());
  }
  co_return endpoints;
}

// Sends `request` on a connected `stream` (a tcp_stream, or an ssl_stream over `timed`)
// and reads the response.
template <class Stream>
asio::awaitable<Result<ClientResponse>> send_and_read(Stream& stream, beast::tcp_stream& timed,
                                                       ClientRequest& request, const ClientLimits& limits) {
  timed.expires_after(limits.timeout);
  auto [write_error, written] = co_await bhttp::async_write(stream, request, kNoThrow);
  if (write_error) {
    co_return Status::unavailable("sending the request failed: " + write_error.message());
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_body_bytes);
  timed.expires_after(limits.timeout);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
  if (read_error == bhttp::error::body_limit) {
    co_return Status::resource_exhausted("the response is larger than " + std::to_string(limits.max_body_bytes) +
                                         " bytes");
  }
  if (read_error) {
    co_return Status::unavailable("reading the response failed: " + read_error.message());
  }
  co_return ClientResponse{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace

asio::awaitable<Result<ClientResponse>> exchange_once(asio::ssl::context& tls, const HttpUrl& url,
                                                      ClientRequest request, const ClientLimits& limits) {
  auto endpoints = co_await resolve(url, limits.timeout);
  if (!endpoints.ok()) {
    co_return endpoints.status();
  }
  beast::tcp_stream tcp(co_await asio::this_coro::executor);
  tcp.expires_after(limits.timeout);
  auto [connect_error, endpoint] = co_await tcp.async_connect(*endpoints, kNoThrow);
  if (connect_error) {
    co_return Status::unavailable("connecting to " + url.host + ":" + url.port + " failed: " + connect_error.message());
  }
  if (!url.tls) {
    co_return co_await send_and_read(tcp, tcp, request, limits);
  }

  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  // SNI, and the name the certificate must carry.
  SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(limits.timeout);
  auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_error) {
    co_return Status::unavailable("TLS handshake with " + url.host + " failed: " + handshake_error.message());
  }
  co_return co_await send_and_read(stream, beast::get_lowest_layer(stream), request, limits);
}

}  // namespace careid::federation::http
