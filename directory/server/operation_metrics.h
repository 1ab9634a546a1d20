// Prometheus metrics of the LDAP server: operations by type and result code, their
// latency, open connections and connections rejected at ldap.max_connections
// (base/metrics.h describes the registry).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "base/metrics.h"
#include "directory/protocol/messages.h"
#include "directory/result_code.h"

namespace careid::directory::server {

// NOTE: the families are registered once per LdapServer, so a process with two servers
// (some tests) repeats them in a scrape, which Prometheus rejects. careidd runs one.
class OperationMetrics {
 public:
  // `connection_count` is called at each scrape, from the metrics thread.
  explicit OperationMetrics(std::function<std::size_t()> connection_count);

  // Counts one completed operation. `request` is the request's tag (kBindRequest, ...);
  // tags of requests without a response (Unbind, Abandon) are ignored. Lock-free.
  void record(protocol::OpTag request, ResultCode code, std::chrono::steady_clock::duration elapsed);

  // Counts one connection rejected because of ldap.max_connections. Lock-free.
  void record_rejected_connection() { rejected_connections_.increment(); }

  // Returns the resultCode of a response that has one; kSuccess for the others.
  static ResultCode result_code_of(const protocol::ResponseOp& response);

 private:
  // bind, search, modify, add, delete, modify_dn, compare, extended.
  static constexpr std::size_t kOperationTypes = 8;
  // Result codes 0 to 127 each get a slot; any other code counts in the last slot.
  static constexpr std::size_t kResultSlots = 129;

  void collect(metrics::Exposition& out) const;

  std::function<std::size_t()> connection_count_;
  std::array<std::array<metrics::Counter, kResultSlots>, kOperationTypes> operations_;
  std::array<metrics::Histogram, kOperationTypes> latency_;
  metrics::Counter rejected_connections_;
  metrics::Registry::Registration registration_;
};

}  // namespace careid::directory::server
