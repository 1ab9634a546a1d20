// AccessSource over careid's own directory, for components inside careidd (the OpenID
// Connect provider's role claims). Reads go straight to the store, without access control,
// so only careid's own code may use it.
#pragma once

#include "directory/engine/directory.h"
#include "provisioning/rbac/access.h"

namespace careid::provisioning::rbac {

class DirectoryAccessSource : public AccessSource {
 public:
  // `directory` must outlive this object. Calls may run on any thread (they only read).
  explicit DirectoryAccessSource(const directory::engine::Directory& directory) : directory_(directory) {}

  Result<Catalogue> read_catalogue() override;
  Result<std::vector<RoleProfile>> read_role_profiles(std::string_view uid) override;
  Result<std::optional<Position>> read_position(std::string_view dn) override;

 private:
  const directory::engine::Directory& directory_;
};

}  // namespace careid::provisioning::rbac
