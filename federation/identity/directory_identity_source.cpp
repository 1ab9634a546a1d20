#include "federation/identity/directory_identity_source.h"

#include <algorithm>

namespace careid::federation {
namespace {

bool is_user_id(std::string_view uid) {
  return uid.size() == 12 && std::all_of(uid.begin(), uid.end(), [](char c) { return c >= '0' && c <= '9'; });
}

RoleProfile to_role_profile(const directory::Entry& entry) {
  RoleProfile role;
  role.id = std::string(entry.first_value("uniqueIdentifier"));
  role.org_code = std::string(entry.first_value("nhsIDCode"));
  role.job_role_code = std::string(entry.first_value("nhsJobRoleCode"));
  role.job_role_name = std::string(entry.first_value("nhsJobRole"));
  return role;
}

}  // namespace

DirectoryIdentitySource::DirectoryIdentitySource(const directory::engine::Directory& directory, std::string suffix,
                                                 std::chrono::seconds grant_ttl)
    : directory_(directory),
      people_base_("ou=People," + suffix),
      access_source_(directory, suffix),
      grant_cache_(access_source_, grant_ttl, kMaxCachedGrants) {}

Result<std::optional<Person>> DirectoryIdentitySource::find_person(std::string_view uid) {
  if (!is_user_id(uid)) {
    return std::optional<Person>();
  }

  // The uid is 12 digits, so it needs no RFC 4515 escaping.
  auto people = directory_.find(people_base_, true, "(&(objectClass=nhsPerson)(uid=" + std::string(uid) + "))");
  if (!people.ok()) {
    return people.status();
  }
  if (people->empty()) {
    return std::optional<Person>();
  }
  const directory::Entry& entry = people->front();

  Person person;
  person.dn = entry.dn;
  person.uid = std::string(uid);
  person.cn = std::string(entry.first_value("cn"));
  person.given_name = std::string(entry.first_value("givenName"));
  person.surname = std::string(entry.first_value("sn"));
  person.mail = std::string(entry.first_value("mail"));

  auto roles = directory_.find(entry.dn, false, "(objectClass=nhsOrgPersonRole)");
  if (!roles.ok()) {
    return roles.status();
  }
  // Role profiles sit below an nhsOrgPerson entry that carries the organisation name (`o`).
  auto org_people = directory_.find(entry.dn, false, "(objectClass=nhsOrgPerson)");
  if (!org_people.ok()) {
    return org_people.status();
  }
  for (const directory::Entry& role : *roles) {
    CAREID_RETURN_IF_ERROR(add_role(role, *org_people, person));
  }
  return std::optional<Person>(std::move(person));
}

Status DirectoryIdentitySource::add_role(const directory::Entry& entry,
                                         const std::vector<directory::Entry>& org_people, Person& person) {
  rbac::RoleProfile dated = rbac::role_profile_from_entry(entry);
  if (!rbac::inactive_reason(dated, rbac::today_utc()).empty()) {
    return Status::ok_status();
  }

  RoleProfile profile = to_role_profile(entry);
  for (const directory::Entry& org_person : org_people) {
    bool is_parent = entry.dn.size() > org_person.dn.size() &&
                     entry.dn.compare(entry.dn.size() - org_person.dn.size(), std::string::npos, org_person.dn) == 0;
    if (is_parent) {
      profile.org_name = std::string(org_person.first_value("o"));
    }
  }

  auto grants = grant_cache_.grants(dated);
  if (!grants.ok()) {
    return grants.status();
  }
  profile.activities = std::move(grants->activities);
  profile.workgroups = std::move(grants->workgroups);
  person.roles.push_back(std::move(profile));
  return Status::ok_status();
}

}  // namespace careid::federation
