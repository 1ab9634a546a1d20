// MetricsServer: a plain-HTTP listener that serves registry().scrape() at GET /metrics in
// the Prometheus text format 0.0.4.
//
// It has no TLS and no authentication, so it belongs on loopback or behind a firewall
// that only lets the Prometheus server in. The metrics contain counts, sizes and
// certificate expiry times, never names, DNs or secrets.
//
// Async model: C++20 coroutines on its own io_context and one thread, apart from the LDAP
// and HTTPS servers, so a slow scrape never delays them. Limits: kMaxConnections
// concurrent connections (further ones are closed at once), 8 KiB of request header, no
// body, and kRequestTimeout for reading a request and writing a response.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace careid::metrics {

class MetricsServer {
 public:
  static constexpr std::size_t kMaxConnections = 16;
  static constexpr std::chrono::seconds kRequestTimeout{10};

  MetricsServer();
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds `listen` ("ADDRESS:PORT"; port 0 picks a free one), starts the thread and returns
  // the bound port. Fails with InvalidArgument for a bad address and Unavailable when the
  // address cannot be bound.
  Result<std::uint16_t> start(const std::string& listen);

  // Stops accepting, closes open connections and joins the thread. Safe to call twice.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace careid::metrics
