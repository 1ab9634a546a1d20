// rbac::AccessSource over careid's own directory, for components inside careidd (the role
// activities in SAML attributes and OpenID Connect claims). Reads go straight to the store,
// without access control, so only careid's own code may use it.
#pragma once

#include <string>

#include "directory/engine/directory.h"
#include "rbac/access.h"

namespace careid::federation {

class DirectoryAccessSource : public rbac::AccessSource {
 public:
  // `directory` must outlive this object. `suffix` is the naming context, e.g. "o=nhs".
  // Calls may run on any thread (they only read).
  DirectoryAccessSource(const directory::engine::Directory& directory, std::string suffix);

  Result<rbac::Catalogue> read_catalogue() override;
  Result<std::vector<rbac::RoleProfile>> read_role_profiles(std::string_view uid) override;
  Result<std::optional<rbac::Position>> read_position(std::string_view dn) override;

 private:
  const directory::engine::Directory& directory_;
  std::string roles_base_;
  std::string people_base_;
};

}  // namespace careid::federation
