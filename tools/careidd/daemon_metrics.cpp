#include "tools/careidd/daemon_metrics.h"

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "pki/certificate_expiry.h"

namespace careid::daemon {
namespace {

void collect_store(const directory::engine::Directory& directory, metrics::Exposition& out) {
  Result<directory::storage::StoreStatistics> statistics = directory.store_statistics();
  if (!statistics.ok()) {
    static log::RateLimitedLog warnings(log::get("careidd"));
    warnings.warn("store_statistics", "LMDB metrics skipped error=\"{}\"", statistics.status().to_string());
    return;
  }

  out.family("careid_lmdb_map_size_bytes", "LMDB map size of the directory store: the most it can grow to.",
             metrics::MetricType::kGauge);
  out.sample("careid_lmdb_map_size_bytes", {}, static_cast<double>(statistics->map_size_bytes));
  out.family("careid_lmdb_used_bytes", "Bytes of the directory store's LMDB map in use (pages used times page size).",
             metrics::MetricType::kGauge);
  out.sample("careid_lmdb_used_bytes", {},
             static_cast<double>(statistics->used_pages * statistics->page_size));
  out.family("careid_lmdb_used_pages", "Pages of the directory store's LMDB map in use.",
             metrics::MetricType::kGauge);
  out.sample("careid_lmdb_used_pages", {}, static_cast<double>(statistics->used_pages));
  out.family("careid_lmdb_readers", "LMDB reader slots in use, stale slots of ended processes included.",
             metrics::MetricType::kGauge);
  out.sample("careid_lmdb_readers", {}, static_cast<double>(statistics->readers));
  out.family("careid_lmdb_max_readers", "LMDB reader slots available.", metrics::MetricType::kGauge);
  out.sample("careid_lmdb_max_readers", {}, static_cast<double>(statistics->max_readers));
}

}  // namespace

Result<std::unique_ptr<DaemonMetrics>> start_metrics(const Config& config,
                                                     const directory::engine::Directory& directory) {
  if (config.metrics.listen.empty()) {
    return std::unique_ptr<DaemonMetrics>();
  }

  auto daemon_metrics = std::make_unique<DaemonMetrics>();
  daemon_metrics->collectors.push_back(
      metrics::registry().add([&directory](metrics::Exposition& out) { collect_store(directory, out); }));
  daemon_metrics->collectors.push_back(pki::add_certificate_expiry_metrics(pki::configured_certificates(config)));

  Result<std::uint16_t> port = daemon_metrics->server.start(config.metrics.listen);
  if (!port.ok()) {
    return port.status();
  }
  daemon_metrics->port = *port;
  return daemon_metrics;
}

}  // namespace careid::daemon
