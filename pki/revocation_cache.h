// RevocationCache: the set of revoked and suspended card serials, held in memory for card
// logins and reloaded from the card registry in the background.
//
// A login looks a serial up in a hash map and never touches the disk or a CRL. A background
// thread reads the registry's generation counter every refresh interval and reloads the
// list only when it changed, so a revocation by another process (careidctl) takes effect
// within one interval. When a reload fails, the cache keeps the last list it read and logs
// the error on the "pki" logger; lookups keep using that list.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "base/status.h"
#include "pki/card_registry.h"

namespace careid::pki {

class RevocationCache {
 public:
  // Loads the list once from `registry` and, when `refresh_interval` is positive, starts the
  // refresh thread. Fails when the first load fails. `registry` must outlive the cache.
  static Result<std::unique_ptr<RevocationCache>> create(const CardRegistry& registry,
                                                         std::chrono::milliseconds refresh_interval);

  // Stops and joins the refresh thread.
  ~RevocationCache();
  RevocationCache(const RevocationCache&) = delete;
  RevocationCache& operator=(const RevocationCache&) = delete;

  // Returns the status of the card with serial `serial_hex` (any spelling accepted by
  // normalize_serial_hex) as of the last reload: kRevoked or kOnHold with reason and time,
  // otherwise kGood. A serial the registry never recorded is also kGood here, because the
  // cache holds only revocations. Thread-safe; never blocks on I/O.
  CardStatus lookup(std::string_view serial_hex) const;

  // Reloads the list now when the registry's generation changed. Blocks on the registry.
  Status refresh();

  // Number of revoked and suspended cards in the current list.
  std::size_t size() const;

 private:
  RevocationCache(const CardRegistry& registry, std::chrono::milliseconds refresh_interval);
  void run_refresh_loop(std::stop_token stop);

  const CardRegistry& registry_;
  const std::chrono::milliseconds refresh_interval_;

  mutable std::mutex mutex_;  // guards revoked_ and generation_
  std::unordered_map<std::string, CardStatus> revoked_;
  std::uint64_t generation_ = 0;
  bool loaded_ = false;

  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last member: stopped and joined before the others go
};

}  // namespace careid::pki
