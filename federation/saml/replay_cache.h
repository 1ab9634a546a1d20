// ReplayCache: the AuthnRequest IDs already answered, so that each request is used once.
// Without it, anyone who captured a request URL could replay it to start a login for the
// SP.
//
// An entry is kept until its request would be rejected as stale anyway (IssueInstant plus
// the maximum request age), so the cache needs no entries older than that.
//
// Thread-safe: every method takes an internal mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace careid::federation::saml {

class ReplayCache {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Default bound. An entry takes an estimated 200 bytes, so the cache stays near 20 MB.
  static constexpr std::size_t kDefaultMaxEntries = 100'000;

  explicit ReplayCache(std::size_t max_entries = kDefaultMaxEntries);

  // Records (`sp_entity_id`, `request_id`) until `expires`. Returns false if that pair is
  // already recorded and has not expired at `now`: the request is a replay.
  // When the cache is full after dropping expired entries, the entry that expires soonest
  // is dropped. A flood of valid requests can therefore shorten the replay window of older
  // requests, but never makes the IdP reject fresh ones.
  bool insert_once(std::string_view sp_entity_id, std::string_view request_id, TimePoint expires,
                   TimePoint now);

  std::size_t size() const;

 private:
  void drop_expired(TimePoint now);

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, TimePoint, std::less<>> expiry_by_key_;
  std::set<std::pair<TimePoint, std::string>> keys_by_expiry_;
};

}  // namespace careid::federation::saml
