#include "federation/http/url_fetch.h"

#include <openssl/ssl.h>


#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "federation/http/http_url.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Exchanges one request on `stream` (a tcp_stream or an ssl_stream over one) and leaves
// the outcome in `result`. The deadline was set on the TCP stream by the caller.
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const HttpUrl& url, const FetchOptions& options,
                               Result<std::string>& result) {
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.target, 11};
  request.set(bhttp::field::host, url.host);
  request.set(bhttp::field::user_agent, "careid-metadata-refresh");
  request.set(bhttp::field::accept, "application/samlmetadata+xml, application/xml, text/xml");
  auto [write_error, written] = co_await bhttp::async_write(stream, request, kNoThrow);
  if (write_error) {
    result = Status::unavailable("sending the request failed: " + write_error.message());
    co_return;
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
  if (read_error == bhttp::error::body_limit) {
    result = Status::resource_exhausted("the response is larger than " +
                                        std::to_string(options.max_body_bytes) + " bytes");
  } else if (read_error) {
    result = Status::unavailable("reading the response failed: " + read_error.message());
  } else if (parser.get().result() != bhttp::status::ok) {
    result = Status::unavailable("the server answered HTTP " +
                                 std::to_string(parser.get().result_int()));
  } else {
    result = std::move(parser.get().body());
  }
}

asio::awaitable<void> fetch(asio::io_context& io, asio::ssl::context* tls, const HttpUrl& url,
                            const FetchOptions& options, Result<std::string>& result) {
  asio::ip::tcp::resolver resolver(io);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(url.host, url.port, kNoThrow);
  if (resolve_error) {
    result = Status::unavailable("resolving " + url.host + " failed: " + resolve_error.message());
    co_return;
  }
  beast::tcp_stream tcp(io);
  tcp.expires_after(options.timeout);
  auto [connect_error, endpoint] = co_await tcp.async_connect(endpoints, kNoThrow);
  if (connect_error) {
    result = Status::unavailable("connecting failed: " + connect_error.message());
    co_return;
  }
  if (tls == nullptr) {
    co_await exchange(tcp, url, options, result);
    co_return;
  }

  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *tls);
  SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  auto [handshake_error] =
      co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_error) {
    result = Status::unavailable("TLS handshake failed: " + handshake_error.message());
    co_return;
  }
  co_await exchange(stream, url, options, result);
}

Status configure_tls(asio::ssl::context& tls, const FetchOptions& options) {
  boost::system::error_code error;
  tls.set_verify_mode(asio::ssl::verify_peer, error);
  if (options.ca_file.empty()) {
    tls.set_default_verify_paths(error);
  } else {
    tls.load_verify_file(options.ca_file.string(), error);
  }
  if (error) {
    return Status::invalid_argument("cannot load the CA certificates " +
                                    options.ca_file.string() + ": " + error.message());
  }
  return Status::ok_status();
}

}  // namespace

Result<std::string> fetch_url(const std::string& url, const FetchOptions& options) {
  auto parsed = parse_http_url(url);
  if (!parsed.ok()) {
    return parsed.status();
  }
  asio::ssl::context tls(asio::ssl::context::tls_client);
  if (parsed->tls) {
    CAREID_RETURN_IF_ERROR(configure_tls(tls, options).with_context("fetching " + url));
  }

  asio::io_context io;
  Result<std::string> result = Status::unavailable("the fetch did not finish");
  asio::co_spawn(io, fetch(io, parsed->tls ? &tls : nullptr, *parsed, options, result),
                 asio::detached);
  // The TCP deadline covers connect and I/O; this bounds the name lookup as well.
  io.run_for(options.timeout + std::chrono::seconds(1));
  if (!io.stopped()) {
    io.stop();
    return Status::unavailable("fetching " + url + " timed out after " +
                               std::to_string(options.timeout.count()) + " s");
  }
  if (!result.ok()) {
    return result.status().with_context("fetching " + url);
  }
  return result;
}

}  // namespace careid::federation::http
