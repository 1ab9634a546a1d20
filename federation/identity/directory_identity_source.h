// DirectoryIdentitySource: the IdentitySource careidd uses, reading people and their role
// profiles from the LDAP directory in the Spine Directory layout:
//   uid=<uid>,ou=People,<suffix>                         nhsPerson
//     uniqueIdentifier=<id>,uid=<uid>,...                  nhsOrgPerson (one per organisation)
//       uniqueIdentifier=<id>,uniqueIdentifier=<id>,...      nhsOrgPersonRole (one per role)
#pragma once

#include <string>

#include "directory/engine/directory.h"
#include "federation/sso/identity_source.h"

namespace careid::federation {

class DirectoryIdentitySource : public IdentitySource {
 public:
  // `directory` must outlive this object. `suffix` is the naming context, e.g. "o=nhs".
  DirectoryIdentitySource(const directory::engine::Directory& directory, std::string suffix);

  // Returns std::nullopt for a uid that is not 12 digits, without searching.
  Result<std::optional<Person>> find_person(std::string_view uid) override;

 private:
  const directory::engine::Directory& directory_;
  std::string people_base_;
};

}  // namespace careid::federation
