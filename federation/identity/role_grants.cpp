#include "federation/identity/role_grants.h"

namespace careid::federation {
namespace {

// The fields the grants depend on. Dates are left out: the caller checks them.
std::string cache_key(const rbac::RoleProfile& profile) {
  std::string key = profile.job_role + "\n" + profile.position_dn + "\n";
  for (const std::string& area : profile.areas_of_work) {
    key += area + ",";
  }
  return key;
}

}  // namespace

RoleGrantCache::RoleGrantCache(rbac::AccessSource& source, std::chrono::seconds ttl, std::size_t max_entries,
                               Clock clock)
    : source_(source), ttl_(ttl), max_entries_(max_entries), clock_(std::move(clock)) {}

Result<RoleGrants> RoleGrantCache::grants(const rbac::RoleProfile& profile) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  const std::string key = cache_key(profile);

  auto found = entries_.find(key);
  if (found != entries_.end() && now - found->second.computed < ttl_) {
    return found->second.grants;
  }

  CAREID_RETURN_IF_ERROR(refresh_catalogue_locked(now));
  auto computed = compute_locked(profile);
  if (!computed.ok()) {
    return computed.status();
  }

  if (found == entries_.end() && entries_.size() >= max_entries_) {
    entries_.clear();
  }
  entries_.insert_or_assign(key, Cached{*computed, now});
  return computed;
}

std::size_t RoleGrantCache::computations() const {
  std::lock_guard lock(mutex_);
  return computations_;
}

Status RoleGrantCache::refresh_catalogue_locked(std::chrono::steady_clock::time_point now) {
  if (catalogue_ != nullptr && now - catalogue_read_ < ttl_) {
    return Status::ok_status();
  }
  auto catalogue = source_.read_catalogue();
  if (!catalogue.ok()) {
    return catalogue.status();
  }
  catalogue_ = std::make_unique<rbac::Catalogue>(std::move(*catalogue));
  catalogue_read_ = now;
  return Status::ok_status();
}

Result<RoleGrants> RoleGrantCache::compute_locked(const rbac::RoleProfile& profile) {
  ++computations_;
  std::optional<rbac::Position> position;
  if (!profile.position_dn.empty()) {
    auto read = source_.read_position(profile.position_dn);
    if (!read.ok()) {
      return read.status();
    }
    position = std::move(*read);
  }

  // The dates are checked by the caller, so the profile is evaluated as open-ended.
  rbac::RoleProfile undated = profile;
  undated.start.reset();
  undated.end.reset();
  const rbac::Position* base = position ? &*position : nullptr;
  std::set<std::string> codes = rbac::profile_activities(*catalogue_, undated, base, rbac::today_utc());

  RoleGrants grants;
  for (const std::string& code : codes) {
    const rbac::Activity* activity = catalogue_->find_activity(code);
    grants.activities.push_back(RoleActivity{code, activity ? activity->name : ""});
  }
  if (position) {
    grants.workgroups = position->workgroups;
  }
  return grants;
}

}  // namespace careid::federation
