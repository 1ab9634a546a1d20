// ArtifactStore: the Responses that careid has issued as artifacts (SAML Bindings 3.6) and
// that their SPs have not resolved yet.
//
// Each entry is bound to the SP entityID it was issued for, lives for a short lifetime
// and is handed out at most once. A resolution attempt removes it whatever its outcome,
// so an artifact that leaked to someone else stops working after one try. Entries live in
// memory only and are lost when careidd restarts.
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

#include "base/status.h"
#include "pki/bytes.h"

namespace careid::federation::saml {

struct ArtifactStoreLimits {
  // How long an SP has to resolve an artifact.
  std::chrono::seconds lifetime{60};
  // Bounds on unresolved entries and on the sum of their message sizes in bytes.
  std::size_t max_entries = 10'000;
  std::size_t max_bytes = 64 * 1024 * 1024;
};

class ArtifactStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  enum class Outcome {
    kFound,           // the message is returned
    kUnknown,         // never issued, already resolved, or dropped after it expired
    kExpired,         // issued, but its lifetime ended before this attempt
    kWrongRequester,  // issued to another SP; the entry is removed all the same
  };

  // The result of take().
  struct Resolution {
    Outcome outcome = Outcome::kUnknown;
    std::string message;    // set for kFound
    std::string issued_to;  // set for kFound, kExpired and kWrongRequester
  };

  explicit ArtifactStore(ArtifactStoreLimits limits = {});

  // Keeps `message` under `message_handle` for `sp_entity_id` until now + lifetime. Expired
  // entries are dropped first, and nothing else is dropped to make room. Errors:
  //   kResourceExhausted  max_entries or max_bytes would be exceeded, or the message alone
  //                       is larger than max_bytes
  //   kAlreadyExists      the handle is already stored, which points at a broken random
  //                       generator because 160-bit random handles do not repeat in practice
  Status put(const pki::Bytes& message_handle, std::string sp_entity_id, std::string message,
             TimePoint now);

  // Removes the entry of `message_handle` and returns its message when it has not expired
  // at `now` and was issued to `requester`.
  Resolution take(const pki::Bytes& message_handle, std::string_view requester, TimePoint now);

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  struct Entry {
    std::string sp_entity_id;
    std::string message;
    TimePoint expires;
    std::size_t size = 0;  // of `message` when stored, because take() moves it out
  };

  void drop_expired(TimePoint now);
  void erase(std::map<std::string, Entry, std::less<>>::iterator entry);

  const ArtifactStoreLimits limits_;
  mutable std::mutex mutex_;
  std::size_t bytes_ = 0;
  std::map<std::string, Entry, std::less<>> entries_;  // by message handle bytes
  std::set<std::pair<TimePoint, std::string>> keys_by_expiry_;
};

}  // namespace careid::federation::saml
