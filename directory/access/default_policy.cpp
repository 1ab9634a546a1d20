// The shipped access policy. careidctl demo setup writes this text to <data>/access.toml,
// and careidd uses it when ldap.access_policy is not set.
#include "directory/access/policy.h"

namespace careid::directory::access {
namespace {

constexpr std::string_view kDefaultPolicy = R"toml(# careid access policy: the first rule whose target and subject both match decides the
# level; with no matching rule access is none. Two fixed rules come before these: the root DN
# may do anything, and nobody, root included, reads, searches or compares userPassword or
# careidTotpSecret.
# The root DSE and cn=Subschema are readable by everyone and are not governed by this file.
#
# Registration authority roles: R5080 Registration Authority Manager, R5090 Registration
# Authority Agent, R5072 Root Registration Authority Manager. Local admin: R5007 System
# Administrator, which manages the positions (careidPosition) of its own organisation.

# Passwords: a user may change their own, an RA sets those of people at its organisations,
# and anyone may bind with one. The fixed rule strips read, search and compare from these.
[[rule]]
name = "password-self"
attributes = ["userPassword"]
who = "self"
grant = "write"

[[rule]]
name = "password-registration-authority"
subtree = "ou=People,o=nhs"
attributes = ["userPassword"]
job_roles = ["R5080", "R5090", "R5072"]
at_target_organisation = true
grant = "write"

[[rule]]
name = "password-bind"
attributes = ["userPassword"]
grant = "auth"

# Lockout state (password policy) is changed by the server and the root DN only.
[[rule]]
name = "lockout-state"
attributes = ["pwdFailureTime", "pwdAccountLockedTime"]
grant = "none"

# TOTP secrets are written by `careidctl user totp-enrol` only. The fixed rule already
# denies reading them; this rule also denies writes over LDAP to everyone but root.
[[rule]]
name = "totp-secret"
attributes = ["careidTotpSecret"]
grant = "none"

# National admins manage national roles, job roles, activities and baselines.
[[rule]]
name = "national-roles"
subtree = "ou=Roles,o=nhs"
group = "cn=National Admins,o=nhs"
grant = "write"

# Registration authorities manage people, their organisation records (nhsOrgPerson), role
# profiles and cards (userCertificate) at their own organisations.
[[rule]]
name = "registration-authority"
subtree = "ou=People,o=nhs"
job_roles = ["R5080", "R5090", "R5072"]
at_target_organisation = true
grant = "write"

# ... and register new people, who belong to no organisation until a role is assigned.
[[rule]]
name = "registration-authority-new-person"
subtree = "ou=People,o=nhs"
object_class = "nhsPerson"
has_organisation = false
job_roles = ["R5080", "R5090", "R5072"]
grant = "write"

# Local admins manage the positions of their own organisation.
[[rule]]
name = "local-admin-positions"
subtree = "ou=Organisations,o=nhs"
object_class = "careidPosition"
job_roles = ["R5007"]
at_target_organisation = true
grant = "write"

# A person reads their own entry and everything below it (organisation records, role profiles).
[[rule]]
name = "self-read"
who = "self"
grant = "read"

# Service accounts (entries under ou=Services) read only what a rule names for them. This
# one lets them look people up by the directory-public attributes below; add rules above
# the next one to give a service more.
[[rule]]
name = "service-people-lookup"
subject_subtree = "ou=Services,o=nhs"
subtree = "ou=People,o=nhs"
attributes = ["entry", "objectClass", "uid", "cn", "mail", "nhsIDCode", "nhsJobRoleCode"]
grant = "read"

[[rule]]
name = "service-nothing-else"
subject_subtree = "ou=Services,o=nhs"
grant = "none"

# Directory-public attributes of every entry, for any bound user.
[[rule]]
name = "directory-public"
who = "authenticated"
attributes = ["entry", "objectClass", "uid", "cn", "sn", "givenName", "displayName", "initials",
              "personalTitle", "mail", "telephoneNumber", "o", "ou", "l", "postalAddress",
              "postalCode", "uniqueIdentifier", "nhsIDCode", "nhsJobRole", "nhsJobRoleCode",
              "nhsOrgType", "nhsOrgTypeCode", "nhsParentOrgCode", "careidOrgCode",
              "careidBaseJobRoleCode", "member", "memberOf"]
grant = "read"
)toml";

}  // namespace

std::string_view default_policy_text() { return kDefaultPolicy; }

}  // namespace careid::directory::access
