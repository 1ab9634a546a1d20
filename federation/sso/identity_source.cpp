#include "federation/sso/identity_source.h"

#include <algorithm>

namespace careid::federation {

Result<std::optional<Person>> IdentitySource::find_person_role(const Person& person,
                                                               std::string_view role_id) {
  Result<std::optional<Person>> found = find_person(person.uid);
  if (!found.ok() || !found->has_value()) {
    return found;
  }

  bool offered = std::any_of(person.roles.begin(), person.roles.end(),
                             [&](const RoleProfile& role) { return role.id == role_id; });
  std::vector<RoleProfile>& roles = (*found)->roles;
  std::erase_if(roles, [&](const RoleProfile& role) { return !offered || role.id != role_id; });
  if (roles.size() > 1) {
    roles.resize(1);
  }
  return found;
}

}  // namespace careid::federation
