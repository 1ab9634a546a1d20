// careidd's metrics listener and the collectors that belong to no single server: the
// directory store's LMDB figures and certificate expiry (base/metrics.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/config.h"
#include "base/metrics.h"
#include "base/metrics_server.h"
#include "directory/engine/directory.h"

namespace careid::daemon {

struct DaemonMetrics {
  std::vector<metrics::Registry::Registration> collectors;
  metrics::MetricsServer server;
  std::uint16_t port = 0;
};

// Adds the collectors and starts the listener on config.metrics.listen. Returns null when
// that key is empty (metrics off). `directory` must outlive the returned object.
Result<std::unique_ptr<DaemonMetrics>> start_metrics(const Config& config,
                                                     const directory::engine::Directory& directory);

}  // namespace careid::daemon
