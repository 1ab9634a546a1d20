// The facts about the two sides of an access check that the policy compares. The engine gathers both from
// the directory (engine/access_checks.h); this library only compares them with the rules.
#pragma once

#include <functional>
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

// The entry an operation reads or writes.
struct Target {
  std::string normalised_dn;
  const Entry* entry = nullptr;  // attributes as stored, or as they would be after an add
  // ODS codes of the organisations the entry belongs to, empty for entries outside any
  // organisation. engine/access_checks.h describes how they are found.
  std::vector<std::string> organisations;
  // Evaluates a rule's filter against the entry with the schema's matching rules; a rule
  // with a filter never matches when this is empty.
  std::function<bool(const protocol::Filter&)> matches_filter;
};

// True when `dn` is `base` or below it; both normalised.
bool is_within(std::string_view dn, std::string_view base);

}  // namespace careid::directory::access
