#include "federation/identity/directory_access_source.h"

namespace careid::federation {

DirectoryAccessSource::DirectoryAccessSource(const directory::engine::Directory& directory, std::string suffix)
    : directory_(directory), roles_base_("ou=Roles," + suffix), people_base_("ou=People," + suffix) {}

Result<rbac::Catalogue> DirectoryAccessSource::read_catalogue() {
  auto entries = directory_.find(roles_base_, false, "(|(objectClass=nhsRBACBF)(objectClass=nhsRBACAoW)"
                                                     "(objectClass=nhsRBACBL))");
  if (!entries.ok()) {
    return entries.status();
  }
  return rbac::catalogue_from_entries(*entries);
}

Result<std::vector<rbac::RoleProfile>> DirectoryAccessSource::read_role_profiles(std::string_view uid) {
  std::string person = "uid=" + std::string(uid) + "," + people_base_;
  auto exists = directory_.read_entry(person);
  if (!exists.ok()) {
    return exists.status();
  }
  if (!*exists) {
    return rbac::person_not_found(uid, people_base_);
  }
  auto entries = directory_.find(person, false, "(objectClass=nhsOrgPersonRole)");
  if (!entries.ok()) {
    return entries.status();
  }
  return rbac::role_profiles_from_entries(*entries);
}

Result<std::optional<rbac::Position>> DirectoryAccessSource::read_position(std::string_view dn) {
  auto entry = directory_.read_entry(dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry) {
    return std::optional<rbac::Position>();
  }
  return std::optional<rbac::Position>(rbac::position_from_entry(**entry));
}

}  // namespace careid::federation
