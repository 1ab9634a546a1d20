#include "base/metrics_server.h"

#include <atomic>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "base/log.h"
#include "base/metrics.h"

namespace careid::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

http::response<http::string_body> respond(const http::request<http::empty_body>& request) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::content_type, "text/plain; charset=utf-8");

  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.body() = "only GET and HEAD are allowed\n";
  } else if (request.target() != "/metrics") {
    response.result(http::status::not_found);
    response.body() = "not found; metrics are at /metrics\n";
  } else {
    response.result(http::status::ok);
    response.set(http::field::content_type, kContentType);
    response.body() = registry().scrape();
  }

  response.prepare_payload();
  if (request.method() == http::verb::head) {
    response.body().clear();
  }
  return response;
}

}  // namespace

class MetricsServer::Impl {
 public:
  Result<std::uint16_t> start(const std::string& listen);
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<std::size_t> connections_{0};
};

Result<std::uint16_t> MetricsServer::Impl::start(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  boost::system::error_code ec;
  auto address = asio::ip::make_address(colon == std::string::npos ? listen : listen.substr(0, colon), ec);
  const std::string port_text = colon == std::string::npos ? "" : listen.substr(colon + 1);
  const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                      port_text.find_first_not_of("0123456789") == std::string::npos;
  if (ec || !digits || std::stoul(port_text) > 65535) {
    return Status::invalid_argument("metrics.listen '" + listen + "' is not ADDRESS:PORT with an IP address");
  }
  const auto port = static_cast<std::uint16_t>(std::stoul(port_text));

  tcp::endpoint endpoint(address, port);
  if (acceptor_.open(endpoint.protocol(), ec) || acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return Status::unavailable("cannot listen on " + listen + " for metrics: " + ec.message());
  }

  const std::uint16_t bound = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
  log::get("careidd")->debug("metrics accepting on {}:{}", address.to_string(), bound);
  return bound;
}

asio::awaitable<void> MetricsServer::Impl::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      log::get("careidd")->warn("metrics accept failed error=\"{}\"", ec.message());
      continue;
    }
    if (connections_.load() >= kMaxConnections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

// Serves requests on one connection until the client closes it, a request is invalid or
// kRequestTimeout passes.
asio::awaitable<void> MetricsServer::Impl::serve(tcp::socket socket) {
  ++connections_;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;

  while (true) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(0);
    stream.expires_after(kRequestTimeout);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (read_error) {
      break;
    }

    http::response<http::string_body> response = respond(parser.get());
    const bool keep_alive = response.keep_alive();
    stream.expires_after(kRequestTimeout);
    auto [write_error, written_bytes] = co_await http::async_write(stream, response, kNoThrow);
    if (write_error || !keep_alive) {
      break;
    }
  }

  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  --connections_;
}

void MetricsServer::Impl::stop() {
  if (!thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  // Stopping the io_context abandons connections in progress; their coroutines are
  // destroyed with it.
  io_.stop();
  thread_.join();
}

MetricsServer::MetricsServer() : impl_(std::make_unique<Impl>()) {}

MetricsServer::~MetricsServer() { stop(); }

Result<std::uint16_t> MetricsServer::start(const std::string& listen) { return impl_->start(listen); }

void MetricsServer::stop() { impl_->stop(); }

}  // namespace careid::metrics
