#include "federation/http/backchannel_sender.h"

#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

#include "base/log.h"
#include "federation/http/http_url.h"
#include "federation/oidc/form.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Largest response read from a client. The body is not used.
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

bhttp::request<bhttp::string_body> logout_request(const HttpUrl& target,
                                                  const oidc::BackchannelLogout& logout) {
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, target.target, 11};
  request.set(bhttp::field::host, target.host);
  request.set(bhttp::field::user_agent, "careid");
  request.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  request.body() = "logout_token=" + oidc::form_encode(logout.logout_token);
  request.keep_alive(false);
  request.prepare_payload();
  return request;
}

// Resolves `target` with a deadline: the resolver has no timeout of its own.
asio::awaitable<tcp::resolver::results_type> resolve(const HttpUrl& target,
                                                     std::chrono::seconds timeout,
                                                     error_code& error) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([&resolver](error_code waited) {
    if (!waited) {
      resolver.cancel();
    }
  });
  auto results = co_await resolver.async_resolve(target.host, target.port,
                                                 asio::redirect_error(asio::use_awaitable, error));
  deadline.cancel();
  co_return results;
}

// Sends `request` on a connected stream and returns the answer's status, or 0 on error.
template <class Stream>
asio::awaitable<unsigned> exchange(Stream& stream, beast::tcp_stream& timed,
                                   bhttp::request<bhttp::string_body> request,
                                   std::chrono::seconds timeout, error_code& error) {
  timed.expires_after(timeout);
  co_await bhttp::async_write(stream, request, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return 0;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  timed.expires_after(timeout);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return 0;
  }
  co_return parser.get().result_int();
}

// Returns the answer's HTTP status, or 0 with `error` set.
asio::awaitable<unsigned> post_logout(asio::ssl::context& tls, const HttpUrl& target,
                                      const oidc::BackchannelLogout& logout,
                                      std::chrono::seconds timeout, error_code& error) {
  auto endpoints = co_await resolve(target, timeout, error);
  if (error) {
    co_return 0;
  }
  auto executor = co_await asio::this_coro::executor;
  if (!target.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      co_return 0;
    }
    co_return co_await exchange(stream, stream, logout_request(target, logout), timeout, error);
  }

  asio::ssl::stream<beast::tcp_stream> stream(executor, tls);
  // SNI, and the name the certificate must carry.
  SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
  beast::tcp_stream& timed = stream.next_layer();
  timed.expires_after(timeout);
  co_await timed.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return 0;
  }
  timed.expires_after(timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    co_return 0;
  }
  co_return co_await exchange(stream, timed, logout_request(target, logout), timeout, error);
}

}  // namespace

BackchannelSender::BackchannelSender(Options options, std::function<void()> sweep)
    : options_(options),
      sweep_(std::move(sweep)),
      tls_(asio::ssl::context::tls_client),
      work_(asio::make_work_guard(io_)),
      failure_log_(log::get("federation")),
      metrics_(metrics::registry().add([this](metrics::Exposition& out) { collect(out); })) {
  tls_.set_default_verify_paths();
  tls_.set_verify_mode(asio::ssl::verify_peer);
  if (sweep_) {
    asio::co_spawn(io_, sweep_loop(), asio::detached);
  }
  thread_ = std::thread([this] { io_.run(); });
}

BackchannelSender::~BackchannelSender() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BackchannelSender::send(oidc::BackchannelLogout logout) {
  if (in_flight_.fetch_add(1) >= options_.max_in_flight) {
    in_flight_.fetch_sub(1);
    dropped_.increment();
    failure_log_.warn("backchannel_dropped",
                      "oidc backchannel_logout outcome=dropped client_id={} in_flight={}",
                      logout.client_id, options_.max_in_flight);
    return;
  }
  asio::co_spawn(io_, deliver(std::move(logout)), asio::detached);
}

asio::awaitable<void> BackchannelSender::deliver(oidc::BackchannelLogout logout) {
  Result<HttpUrl> target = parse_http_url(logout.uri);
  error_code error;
  unsigned status = 0;
  if (target.ok()) {
    status = co_await post_logout(tls_, *target, logout, options_.timeout, error);
  }
  in_flight_.fetch_sub(1);

  // Back-Channel Logout 1.0 2.8: the RP returns 200 on success, and 204 is accepted too.
  if (status == 200 || status == 204) {
    success_.increment();
    log::get("federation")->info("oidc backchannel_logout outcome=success client_id={}",
                                 logout.client_id);
    co_return;
  }
  failure_.increment();
  std::string reason = !target.ok() ? "invalid backchannel_logout_uri"
                       : error              ? error.message()
                                            : "HTTP status " + std::to_string(status);
  failure_log_.warn("backchannel_failed",
                    "oidc backchannel_logout outcome=failure client_id={} uri={} error=\"{}\"",
                    logout.client_id, logout.uri, reason);
}

asio::awaitable<void> BackchannelSender::sweep_loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(options_.sweep_interval);
    error_code error;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      co_return;
    }
    sweep_();
  }
}

void BackchannelSender::collect(metrics::Exposition& out) const {
  out.family("careid_oidc_backchannel_logouts_total",
             "OpenID Connect Back-Channel Logout requests to clients, by result.",
             metrics::MetricType::kCounter);
  out.sample("careid_oidc_backchannel_logouts_total", {{"result", "success"}},
             static_cast<double>(success_.value()));
  out.sample("careid_oidc_backchannel_logouts_total", {{"result", "failure"}},
             static_cast<double>(failure_.value()));
  out.sample("careid_oidc_backchannel_logouts_total", {{"result", "dropped"}},
             static_cast<double>(dropped_.value()));
}

}  // namespace careid::federation::http
