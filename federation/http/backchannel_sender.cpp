#include "federation/http/backchannel_sender.h"

#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "federation/http/http_client.h"
#include "federation/oidc/form.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

// Largest response read from a client. The body is not used.
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

ClientRequest logout_request(const HttpUrl& target, const oidc::BackchannelLogout& logout) {
  ClientRequest request{bhttp::verb::post, target.target, 11};
  request.set(bhttp::field::host, target.host);
  request.set(bhttp::field::user_agent, "careid");
  request.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  request.body() = "logout_token=" + oidc::form_encode(logout.logout_token);
  request.keep_alive(false);
  request.prepare_payload();
  return request;
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
  Result<ClientResponse> response = Status::invalid_argument("invalid backchannel_logout_uri");
  if (target.ok()) {
    response = co_await exchange_once(tls_, *target, logout_request(*target, logout),
                                      {options_.timeout, kMaxResponseBytes});
  }
  in_flight_.fetch_sub(1);

  // Back-Channel Logout 1.0 2.8: the RP returns 200 on success, and 204 is accepted too.
  if (response.ok() && (response->status == 200 || response->status == 204)) {
    success_.increment();
    log::get("federation")->info("oidc backchannel_logout outcome=success client_id={}",
                                 logout.client_id);
    co_return;
  }
  failure_.increment();
  std::string reason =
      response.ok() ? "HTTP status " + std::to_string(response->status) : response.status().message();
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
