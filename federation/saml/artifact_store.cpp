#include "federation/saml/artifact_store.h"

namespace careid::federation::saml {
namespace {

std::string key_of(const pki::Bytes& message_handle) {
  return std::string(message_handle.begin(), message_handle.end());
}

}  // namespace

ArtifactStore::ArtifactStore(ArtifactStoreLimits limits) : limits_(limits) {}

Status ArtifactStore::put(const pki::Bytes& message_handle, std::string sp_entity_id,
                          std::string message, TimePoint now) {
  std::string key = key_of(message_handle);
  std::lock_guard lock(mutex_);
  drop_expired(now);

  if (entries_.size() >= limits_.max_entries) {
    return Status::resource_exhausted(std::to_string(entries_.size()) +
                                      " artifacts are waiting to be resolved, the configured "
                                      "maximum (saml.artifact_max_outstanding)");
  }
  if (message.size() > limits_.max_bytes || bytes_ > limits_.max_bytes - message.size()) {
    return Status::resource_exhausted("unresolved artifacts would hold more than " +
                                      std::to_string(limits_.max_bytes) +
                                      " bytes (saml.artifact_max_bytes)");
  }
  if (entries_.find(key) != entries_.end()) {
    return Status::already_exists("the artifact message handle is already in use");
  }

  TimePoint expires = now + limits_.lifetime;
  std::size_t size = message.size();
  bytes_ += size;
  entries_.emplace(key, Entry{std::move(sp_entity_id), std::move(message), expires, size});
  keys_by_expiry_.emplace(expires, std::move(key));
  return Status::ok_status();
}

ArtifactStore::Resolution ArtifactStore::take(const pki::Bytes& message_handle,
                                         std::string_view requester, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto entry = entries_.find(key_of(message_handle));
  if (entry == entries_.end()) {
    drop_expired(now);
    return Resolution{};
  }

  Resolution resolution;
  resolution.issued_to = entry->second.sp_entity_id;
  if (entry->second.expires <= now) {
    resolution.outcome = Outcome::kExpired;
  } else if (entry->second.sp_entity_id != requester) {
    resolution.outcome = Outcome::kWrongRequester;
  } else {
    resolution.outcome = Outcome::kFound;
    resolution.message = std::move(entry->second.message);
  }
  erase(entry);
  drop_expired(now);
  return resolution;
}

std::size_t ArtifactStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t ArtifactStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void ArtifactStore::drop_expired(TimePoint now) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first <= now) {
    auto entry = entries_.find(keys_by_expiry_.begin()->second);
    if (entry != entries_.end()) {
      erase(entry);
    } else {
      keys_by_expiry_.erase(keys_by_expiry_.begin());
    }
  }
}

void ArtifactStore::erase(std::map<std::string, Entry, std::less<>>::iterator entry) {
  keys_by_expiry_.erase({entry->second.expires, entry->first});
  bytes_ -= entry->second.size;
  entries_.erase(entry);
}

}  // namespace careid::federation::saml
