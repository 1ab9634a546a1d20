#include "federation/saml/replay_cache.h"

namespace careid::federation::saml {

ReplayCache::ReplayCache(std::size_t max_entries)
    : max_entries_(max_entries == 0 ? 1 : max_entries) {}

bool ReplayCache::insert_once(std::string_view sp_entity_id, std::string_view request_id,
                              TimePoint expires, TimePoint now) {
  // The NUL byte cannot occur in an entityID or an xs:ID, so keys of two SPs never collide.
  std::string key = std::string(sp_entity_id) + '\0' + std::string(request_id);
  std::lock_guard lock(mutex_);
  drop_expired(now);

  if (expiry_by_key_.find(key) != expiry_by_key_.end()) {
    return false;
  }

  if (expiry_by_key_.size() >= max_entries_) {
    auto soonest = keys_by_expiry_.begin();
    expiry_by_key_.erase(soonest->second);
    keys_by_expiry_.erase(soonest);
  }
  expiry_by_key_.emplace(key, expires);
  keys_by_expiry_.emplace(expires, std::move(key));
  return true;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return expiry_by_key_.size();
}

void ReplayCache::drop_expired(TimePoint now) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first <= now) {
    expiry_by_key_.erase(keys_by_expiry_.begin()->second);
    keys_by_expiry_.erase(keys_by_expiry_.begin());
  }
}

}  // namespace careid::federation::saml
