// BackchannelSender: POSTs OpenID Connect Back-Channel Logout 1.0 logout tokens to the
// clients' backchannel_logout_uri, on a thread of its own, so that a slow or unreachable
// client never holds up a logout page or an I/O thread.
//
// Each request is `POST <uri>` with the form body `logout_token=...` (Back-Channel Logout
// 1.0 2.5), over http or https. An https URI is checked against the system's trusted CAs
// and its host name. Connecting, the TLS handshake, writing and reading each have
// Options::timeout. A 200 or 204 response counts as success; any other status, a network
// error or a timeout is logged (rate-limited, without the token) and counted as failure.
// Requests are not retried. At most Options::max_in_flight requests run at once; further
// ones are dropped, logged and counted.
//
// The same thread also runs `sweep` every Options::sweep_interval, which careid uses to end
// expired SSO sessions so that their clients hear of an absolute timeout soon after it.
//
// Metrics: careid_oidc_backchannel_logouts_total{result="success|failure|dropped"}.
//
// Thread safety: send() may be called from any thread. The destructor stops the thread and
// abandons requests in progress.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "base/metrics.h"
#include "base/rate_limited_log.h"
#include "federation/oidc/backchannel.h"

namespace careid::federation::http {

class BackchannelSender final : public oidc::LogoutNotifier {
 public:
  struct Options {
    std::chrono::seconds timeout{5};
    std::size_t max_in_flight = 1000;
    std::chrono::seconds sweep_interval{30};
  };

  // `sweep` may be empty for none.
  explicit BackchannelSender(Options options, std::function<void()> sweep = {});
  ~BackchannelSender() override;

  BackchannelSender(const BackchannelSender&) = delete;
  BackchannelSender& operator=(const BackchannelSender&) = delete;

  void send(oidc::BackchannelLogout logout) override;

  std::uint64_t succeeded() const { return success_.value(); }
  std::uint64_t failed() const { return failure_.value(); }
  std::uint64_t dropped() const { return dropped_.value(); }

 private:
  boost::asio::awaitable<void> deliver(oidc::BackchannelLogout logout);
  boost::asio::awaitable<void> sweep_loop();
  void collect(metrics::Exposition& out) const;

  const Options options_;
  std::function<void()> sweep_;
  boost::asio::ssl::context tls_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::atomic<std::size_t> in_flight_{0};
  metrics::Counter success_;
  metrics::Counter failure_;
  metrics::Counter dropped_;
  log::RateLimitedLog failure_log_;
  std::thread thread_;
  // Declared last, so that its collector is removed before the counters go.
  metrics::Registry::Registration metrics_;
};

}  // namespace careid::federation::http
