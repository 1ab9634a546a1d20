#include "provisioning/rbac/directory_access_source.h"

#include "provisioning/directory_entries.h"

namespace careid::provisioning::rbac {

Result<Catalogue> DirectoryAccessSource::read_catalogue() {
  auto entries = directory_.find(kRolesDn, false, "(|(objectClass=nhsRBACBF)(objectClass=nhsRBACAoW)"
                                                  "(objectClass=nhsRBACBL))");
  if (!entries.ok()) {
    return entries.status();
  }
  return catalogue_from_entries(*entries);
}

Result<std::vector<RoleProfile>> DirectoryAccessSource::read_role_profiles(std::string_view uid) {
  std::string person = "uid=" + std::string(uid) + "," + std::string(kPeopleDn);
  auto exists = directory_.read_entry(person);
  if (!exists.ok()) {
    return exists.status();
  }
  if (!*exists) {
    return Status::not_found("no person with uid " + std::string(uid));
  }
  auto entries = directory_.find(person, false, "(objectClass=nhsOrgPersonRole)");
  if (!entries.ok()) {
    return entries.status();
  }
  std::vector<RoleProfile> profiles;
  for (const directory::Entry& entry : *entries) {
    profiles.push_back(role_profile_from_entry(entry));
  }
  return profiles;
}

Result<std::optional<Position>> DirectoryAccessSource::read_position(std::string_view dn) {
  auto entry = directory_.read_entry(dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry) {
    return std::optional<Position>();
  }
  return std::optional<Position>(position_from_entry(**entry));
}

}  // namespace careid::provisioning::rbac
