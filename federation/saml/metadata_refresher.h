// MetadataRefresher: one thread that refreshes every SP metadata source when it is due and
// hands the combined SPs to the identity provider whenever they change.
//
// A source is due refresh_interval after its last successful refresh, and after a failure
// again after min(refresh_interval, 5 minutes). The SPs are also handed over when a copy
// passes max_cache_age or its validUntil, which removes that source's SPs. Sources listed
// first win when two list the same entityID.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/metadata_source.h"

namespace careid::federation::saml {

class MetadataRefresher {
 public:
  // `idp` must outlive this object. Nothing runs before start().
  MetadataRefresher(std::vector<std::unique_ptr<MetadataSource>> sources, IdentityProvider& idp);
  ~MetadataRefresher();
  MetadataRefresher(const MetadataRefresher&) = delete;
  MetadataRefresher& operator=(const MetadataRefresher&) = delete;

  // Loads each source's cached copy, tries one refresh of each (so that start-up waits for
  // at most one fetch per source) and hands the SPs to the identity provider. Then starts
  // the thread. The metrics collector is registered here.
  void start();

  // Stops the thread and waits for it; a fetch in progress ends within its timeout.
  void stop();

  // Refreshes every source now and hands over the SPs, on the calling thread. It waits for
  // a refresh pass of the thread to end first.
  void refresh_all();

  // Asks the thread to refresh every source, due or not, and returns at once. careidd calls
  // it on SIGHUP. Requests made while a pass runs lead to one more pass after it. A
  // request before start() waits for the thread, and after stop() nothing runs.
  void request_refresh_all();

  // Number of passes that request_refresh_all() caused and that have ended. Thread-safe.
  std::uint64_t requested_refreshes_done() const;

  // Writes careid_saml_metadata_* families: refreshes by outcome, SPs and copy age.
  void collect(metrics::Exposition& out) const;

 private:
  void run();
  // One pass of the thread: the due sources, or all of them when `all` is true.
  void refresh_due(bool all);
  void publish();

  std::vector<std::unique_ptr<MetadataSource>> sources_;
  std::vector<std::chrono::steady_clock::time_point> next_refresh_;
  IdentityProvider& idp_;

  std::mutex refresh_mutex_;  // one refresh pass at a time
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool refresh_requested_ = false;
  std::uint64_t requested_refreshes_done_ = 0;
  // Hash of the entityIDs and update counts last handed over.
  std::optional<std::size_t> published_hash_;
  std::thread thread_;
  metrics::Registry::Registration collector_;
};

}  // namespace careid::federation::saml
