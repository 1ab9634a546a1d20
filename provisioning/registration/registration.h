// Registration: what a registration authority does over LDAP. Registers people, creates
// local positions, assigns role profiles at organisations and ends them. Every write goes
// through LdapClient, so the directory's access control decides what the bound user may do.
//
// Entries written (see provisioning/workforce.h for the SDS layout):
//   uid=<uid>,ou=People,o=nhs                         nhsPerson + careidRegisteredPerson
//   uniqueIdentifier=<id>,uid=...                     nhsOrgPerson, one per organisation
//   uniqueIdentifier=<id>,uniqueIdentifier=<id>,uid=...  nhsOrgPersonRole + careidRoleProfile
//   cn=<name>,uniqueIdentifier=<ODS>,ou=Organisations,o=nhs   careidPosition
// uids, org person ids and role profile ids are random 12-digit numbers that do not start
// with 0 and are outside the block 555000000000-555000000999 kept for the demo person.
//
// Not thread-safe, like the LdapClient it uses. Organisation, job role and position lookups
// are cached for the Registrar's lifetime, which suits one command or one intake run.
#pragma once

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "rbac/access.h"
#include "rbac/rbac_entries.h"
#include "provisioning/registration/ldap_client.h"

namespace careid::provisioning::registration {

inline constexpr int kMinIdentityCheckLevel = 1;
inline constexpr int kMaxIdentityCheckLevel = 3;

struct PersonRequest {
  std::string uid;  // empty: allocate one
  std::string given_name;
  std::string surname;
  std::string mail;
  int identity_check_level = 0;
};

struct RoleRequest {
  std::string uid;
  std::string org_code;  // may be empty when `position` is a DN: the position's organisation
  std::string job_role;  // R-code; or else
  std::string position;  // a position DN, or a position name at org_code
  std::optional<rbac::Date> start;
  std::optional<rbac::Date> end;
};

// The outcome of find_or_register_person.
struct PersonRegistration {
  std::string uid;
  bool registered = false;  // true when added now, false when a person with the mail existed
};

// The outcome of assign_role.
struct Assignment {
  std::string role_profile_id;
  std::string role_profile_dn;
  bool already_present = false;  // an identical profile existed; nothing was written
};

class Registrar {
 public:
  explicit Registrar(LdapClient& client);

  // Adds the person and returns the uid. Errors: kInvalidArgument for a missing name or
  // mail, a uid that is not 12 digits, or a check level outside 1-3; kAlreadyExists when the
  // uid is taken or another person has the mail (the message names that uid).
  Result<std::string> register_person(const PersonRequest& request);

  // Returns the uid of the person with the request's mail, or registers the person as
  // register_person does. One search fewer than find_person_by_mail then register_person.
  Result<PersonRegistration> find_or_register_person(const PersonRequest& request);

  // Returns the uid of the person with `mail`, or std::nullopt.
  Result<std::optional<std::string>> find_person_by_mail(std::string_view mail);

  // Adds a role profile (and the nhsOrgPerson entry for the organisation when missing).
  // A profile with the same organisation, job role, position and start date is returned with
  // already_present set instead, so reruns add nothing. Errors name the value at fault: no
  // such person, unknown organisation code, unknown job role, unknown position, a position of
  // another organisation, or an end date not after the start date.
  Result<Assignment> assign_role(const RoleRequest& request);

  // Checks the organisation, job role, position and dates of `request` without writing,
  // with the errors of assign_role; intake uses it before registering a row's person.
  Status check_role(const RoleRequest& request);

  // Sets the end date of role profile `role_profile_id` of `uid`. Errors: kNotFound for an
  // unknown person or profile; kInvalidArgument when `end` is not after the start date.
  Status end_role(std::string_view uid, std::string_view role_profile_id, rbac::Date end);

  // Adds a careidPosition under the organisation and returns its DN. Errors: unknown
  // organisation, job role or activity code (activities are checked against ou=Activities
  // when that branch has entries), kAlreadyExists for a name already used there.
  Result<std::string> create_position(const rbac::Position& position);

 private:
  struct OrgInfo {
    std::string name;
  };
  struct JobRoleInfo {
    std::string full_code;  // S:G:R
    std::string full_name;  // "staff":"group":"role"
  };

  struct ResolvedRole {
    std::string org_code;
    OrgInfo org;
    JobRoleInfo job_role;
    std::string position_dn;  // empty for a bare national role
  };

  Result<ResolvedRole> resolve_role(const RoleRequest& request);
  Result<OrgInfo> lookup_org(const std::string& code);
  Result<JobRoleInfo> lookup_job_role(const std::string& code);
  Result<rbac::Position> lookup_position(const std::string& dn);
  std::string random_id();
  Result<std::string> allocate_id(std::string_view parent_dn, std::string_view rdn_type);
  Result<std::string> add_person(const PersonRequest& request);
  Result<directory::Entry> read_person(const std::string& uid);
  Result<std::vector<directory::Entry>> read_org_entries(const std::string& uid, const std::string& org_code);

  LdapClient& client_;
  std::mt19937_64 random_;
  std::map<std::string, OrgInfo> orgs_;
  std::map<std::string, JobRoleInfo> job_roles_;
  std::map<std::string, rbac::Position> positions_;
  // People this Registrar added that have no entries below them yet, by uid. assign_role
  // skips reading them back and searching below them, which halves the requests per new
  // person in an intake.
  std::map<std::string, directory::Entry> childless_people_;
};

// AccessSource that reads over LDAP, for `careidctl access explain`.
class LdapAccessSource : public rbac::AccessSource {
 public:
  explicit LdapAccessSource(LdapClient& client) : client_(client) {}

  Result<rbac::Catalogue> read_catalogue() override;
  Result<std::vector<rbac::RoleProfile>> read_role_profiles(std::string_view uid) override;
  Result<std::optional<rbac::Position>> read_position(std::string_view dn) override;

 private:
  LdapClient& client_;
};

// Returns true for exactly 12 ASCII digits.
bool is_twelve_digit_id(std::string_view text);

}  // namespace careid::provisioning::registration
