// The facts about the two sides of an access check that the policy compares. The engine gathers both from
// the directory (engine/access_checks.h); this library only compares them with the rules.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "directory/entry.h"
#include "directory/protocol/filter.h"

namespace careid::directory::access {

// One role profile (nhsOrgPersonRole) the subject holds.
struct RoleProfile {
  std::string job_role_code;  // the R-code, e.g. "R5080" from nhsJobRoleCode "S0080:G0450:R5080"
  std::string organisation;   // the ODS code from nhsIDCode, e.g. "R0A"
  std::vector<std::string> activities;  // B-codes the profile grants
};

// The bound identity of a connection. DNs are normalised as the engine's name_dn does.
struct Subject {
  std::string normalised_dn;  // empty for anonymous
  bool is_root = false;
  std::vector<std::string> groups;  // normalised DNs of the groups that list the subject (memberOf)
  std::vector<RoleProfile> roles;
};

class Policy;

// The entry an operation reads or writes.
struct Target {
  std::string normalised_dn;
  const Entry* entry = nullptr;  // attributes as stored, or as they would be after an add
  // Function that finds the ODS codes of the entry's organisations (engine/access_checks.h).
  // It may read every entry below a person, so organisations() calls it once, when needed.
  std::function<std::vector<std::string>()> find_organisations;
  // Evaluates a rule's filter against the entry with the schema's matching rules; a rule
  // with a filter never matches when this is empty.
  std::function<bool(const protocol::Filter&)> matches_filter;

  // Returns the codes from find_organisations, or those given to set_organisations. The
  // list is empty for entries outside any organisation.
  const std::vector<std::string>& organisations() const {
    if (!organisations_.has_value()) {
      organisations_ = find_organisations ? find_organisations() : std::vector<std::string>{};
    }
    return *organisations_;
  }
  void set_organisations(std::vector<std::string> codes) { organisations_ = std::move(codes); }

 private:
  friend class Policy;

  mutable std::optional<std::vector<std::string>> organisations_;
  // Outcomes of each rule's checks that do not depend on the attribute, for the policy and
  // subject named below: 1 passed, 0 failed, -1 not run. Policy fills them in on demand.
  // NOTE: the subject is recognised by address, so a target must not be reused with another
  // Subject object at the same address. AccessGuard keeps one subject for its targets.
  mutable std::vector<signed char> rule_outcomes_;
  mutable const void* outcomes_policy_ = nullptr;
  mutable const Subject* outcomes_subject_ = nullptr;
};

// True when `dn` is `base` or below it; both normalised.
bool is_within(std::string_view dn, std::string_view base);

}  // namespace careid::directory::access
