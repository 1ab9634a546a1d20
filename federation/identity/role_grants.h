// RoleGrantCache: the effective RBAC activities and workgroups of role profiles, for the
// activity attributes and claims of a login.
//
// The grants of a profile depend only on its job role, its areas of work and its position,
// so the cache stores them under that key and a login does not recompute the closure of
// included activities. An entry is used for at most `ttl` after it was computed, so a
// change to the catalogue or a position reaches logins within `ttl`. The catalogue itself
// is read from the source at most once per `ttl`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "federation/sso/identity_source.h"
#include "rbac/access.h"

namespace careid::federation {

struct RoleGrants {
  std::vector<RoleActivity> activities;  // sorted by code
  std::vector<std::string> workgroups;
};

class RoleGrantCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `source` must outlive the cache. At most `max_entries` keys are kept; when a new key
  // would exceed that, the whole cache is emptied. `clock` is replaceable for tests.
  RoleGrantCache(rbac::AccessSource& source, std::chrono::seconds ttl, std::size_t max_entries,
                 Clock clock = std::chrono::steady_clock::now);

  // Returns what `profile` grants, ignoring its start and end dates (the caller checks
  // them). Errors are those of the source. Safe to call from several threads; a miss reads
  // the source while holding the cache's lock, so concurrent misses wait for each other.
  Result<RoleGrants> grants(const rbac::RoleProfile& profile);

  // Number of computations since construction (cache misses), for tests and metrics.
  std::size_t computations() const;

 private:
  struct Cached {
    RoleGrants grants;
    std::chrono::steady_clock::time_point computed;
  };

  Status refresh_catalogue_locked(std::chrono::steady_clock::time_point now);
  Result<RoleGrants> compute_locked(const rbac::RoleProfile& profile);

  rbac::AccessSource& source_;
  std::chrono::seconds ttl_;
  std::size_t max_entries_;
  Clock clock_;

  mutable std::mutex mutex_;
  std::unique_ptr<rbac::Catalogue> catalogue_;  // null until first read
  std::chrono::steady_clock::time_point catalogue_read_;
  std::map<std::string, Cached> entries_;
  std::size_t computations_ = 0;
};

}  // namespace careid::federation
