// DirectoryIdentitySource: the IdentitySource careidd uses, reading people and their role
// profiles from the LDAP directory in the Spine Directory layout:
//   uid=<uid>,ou=People,<suffix>                         nhsPerson
//     uniqueIdentifier=<id>,uid=<uid>,...                  nhsOrgPerson (one per organisation)
//       uniqueIdentifier=<id>,uniqueIdentifier=<id>,...      nhsOrgPersonRole (one per role)
// Only the role profiles active today (careidRoleStartDate, careidRoleEndDate) are returned,
// each with its effective RBAC activities and workgroups (RoleGrantCache).
#pragma once

#include <chrono>
#include <string>

#include "directory/engine/directory.h"
#include "federation/identity/directory_access_source.h"
#include "federation/identity/role_grants.h"
#include "federation/sso/identity_source.h"

namespace careid::federation {

class DirectoryIdentitySource : public IdentitySource {
 public:
  // `directory` must outlive this object. `suffix` is the naming context, e.g. "o=nhs".
  // A change to the RBAC catalogue or a position reaches logins within `grant_ttl`.
  DirectoryIdentitySource(const directory::engine::Directory& directory, std::string suffix,
                          std::chrono::seconds grant_ttl = kDefaultGrantTtl);

  static constexpr std::chrono::seconds kDefaultGrantTtl{60};
  // Bound on the (job role, position, areas of work) keys the grant cache keeps.
  static constexpr std::size_t kMaxCachedGrants = 10000;

  // Returns std::nullopt for a uid that is not 12 digits, without searching.
  Result<std::optional<Person>> find_person(std::string_view uid) override;

 private:
  Status add_role(const directory::Entry& entry, const std::vector<directory::Entry>& org_people, Person& person);

  const directory::engine::Directory& directory_;
  std::string people_base_;
  DirectoryAccessSource access_source_;
  RoleGrantCache grant_cache_;
};

}  // namespace careid::federation
