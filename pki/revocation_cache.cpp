#include "pki/revocation_cache.h"

#include "base/log.h"

namespace careid::pki {

RevocationCache::RevocationCache(const CardRegistry& registry,
                                 std::chrono::milliseconds refresh_interval)
    : registry_(registry), refresh_interval_(refresh_interval) {}

RevocationCache::~RevocationCache() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

Result<std::unique_ptr<RevocationCache>> RevocationCache::create(
    const CardRegistry& registry, std::chrono::milliseconds refresh_interval) {
  std::unique_ptr<RevocationCache> cache(new RevocationCache(registry, refresh_interval));
  CAREID_RETURN_IF_ERROR(cache->refresh());
  if (refresh_interval.count() > 0) {
    RevocationCache* self = cache.get();
    cache->thread_ = std::jthread([self](std::stop_token stop) { self->run_refresh_loop(stop); });
  }
  return cache;
}

CardStatus RevocationCache::lookup(std::string_view serial_hex) const {
  auto normalised = normalize_serial_hex(serial_hex);
  if (!normalised.ok()) {
    return CardStatus{CardState::kGood, RevocationReason::kUnspecified, std::nullopt};
  }
  std::lock_guard lock(mutex_);
  auto found = revoked_.find(*normalised);
  if (found == revoked_.end()) {
    return CardStatus{CardState::kGood, RevocationReason::kUnspecified, std::nullopt};
  }
  return found->second;
}

std::size_t RevocationCache::size() const {
  std::lock_guard lock(mutex_);
  return revoked_.size();
}

Status RevocationCache::refresh() {
  auto generation = registry_.generation();
  if (!generation.ok()) {
    return generation.status();
  }
  {
    std::lock_guard lock(mutex_);
    if (loaded_ && generation_ == *generation) {
      return Status::ok_status();
    }
  }

  // Read outside the lock so that lookups never wait for the disk.
  auto records = registry_.revoked_cards();
  if (!records.ok()) {
    return records.status();
  }
  std::unordered_map<std::string, CardStatus> revoked;
  for (CardRecord& record : *records) {
    revoked.emplace(std::move(record.serial_hex), record.status);
  }

  std::lock_guard lock(mutex_);
  revoked_.swap(revoked);
  generation_ = *generation;
  loaded_ = true;
  log::get("pki")->debug("revocation list reloaded: {} cards revoked or on hold, generation {}",
                         revoked_.size(), generation_);
  return Status::ok_status();
}

void RevocationCache::run_refresh_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, stop, refresh_interval_, [] { return false; });
    }
    if (stop.stop_requested()) {
      return;
    }
    Status status = refresh();
    if (!status.ok()) {
      // Lookups keep using the last list, and the next interval retries.
      log::get("pki")->error("revocation list reload failed, keeping the previous list: {}",
                             status.to_string());
    }
  }
}

}  // namespace careid::pki
