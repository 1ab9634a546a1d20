// IdentitySource: how the federation layer reads people from the directory.
//
// careidd implements it over the directory store; tests may implement it over a
// fixed list. Implementations must be safe to call from several threads at once and
// must not block for long: they read from a memory-mapped store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::federation {

// One RBAC activity a role grants, e.g. {"B0825", "Amend Patient Demographics"}.
struct RoleActivity {
  std::string code;  // B-code
  std::string name;  // empty when the activity is not in the directory's activity list
};

// One role profile (an nhsOrgPersonRole entry) of a person.
struct RoleProfile {
  std::string id;             // uniqueIdentifier of the role profile entry
  std::string org_code;       // ODS code of the organisation (nhsIDCode)
  std::string job_role_code;  // nhsJobRoleCode in S:G:R form, e.g. "S8000:G8000:R8000"
  std::string job_role_name;  // nhsJobRole, e.g. "Clinical Practitioner Access Role"
  std::string org_name;       // the organisation's name (`o`); may be empty
  // The effective activities: the job role's baseline and the position's extras, with every
  // activity they include, sorted by code.
  std::vector<RoleActivity> activities;
  std::vector<std::string> workgroups;  // the position's workgroups; empty for a bare job role
};

struct Person {
  std::string dn;   // e.g. uid=555000000001,ou=People,o=nhs
  std::string uid;  // 12-digit user id (UUID in Spine terms)
  std::string cn;
  std::string given_name;  // givenName; may be empty
  std::string surname;     // sn; may be empty
  std::string mail;
  std::vector<RoleProfile> roles;
};

class IdentitySource {
 public:
  virtual ~IdentitySource() = default;

  // Returns the person with this uid, std::nullopt when there is none, or an error
  // Status when the store cannot be read.
  virtual Result<std::optional<Person>> find_person(std::string_view uid) = 0;
};

}  // namespace careid::federation
