#include "federation/http/url_fetch.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "federation/http/http_client.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

asio::awaitable<void> fetch(asio::ssl::context& tls, const HttpUrl& url, const FetchOptions& options,
                            Result<std::string>& result) {
  ClientRequest request{bhttp::verb::get, url.target, 11};
  request.set(bhttp::field::host, url.host);
  request.set(bhttp::field::user_agent, "careid-metadata-refresh");
  request.set(bhttp::field::accept, "application/samlmetadata+xml, application/xml, text/xml");
  request.prepare_payload();

  auto response = co_await exchange_once(tls, url, std::move(request), {options.timeout, options.max_body_bytes});
  if (!response.ok()) {
    result = response.status();
  } else if (response->status != 200) {
    result = Status::unavailable("the server answered HTTP " + std::to_string(response->status));
  } else {
    result = std::move(response->body);
  }
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
  asio::co_spawn(io, fetch(tls, *parsed, options, result), asio::detached);
  // Each step has its own deadline; this bounds the whole exchange.
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
