// The claim profile: which claims a scope releases, in CIS2-compatible names (see the table
// in federation/README.md).
#pragma once

#include <string>
#include <vector>

#include "federation/oidc/jose.h"
#include "federation/sso/identity_source.h"

namespace careid::federation::oidc {

// Adds the claims that `scopes` release about `person` to `claims`:
//   profile             uid, name, given_name, family_name, email (the last three only when
//                       the directory has a value)
//   nationalrbacaccess  uid, nhsid_nrbac_roles: one object per role profile with
//                       person_roleid, org_code, role_name, role_code, activities (names;
//                       the code when the activity has no name), activity_codes and
//                       workgroups (arrays, possibly empty)
void add_person_claims(const Person& person, const std::vector<std::string>& scopes, Json& claims);

// True when `scopes` release the uid, which the access token then carries so that userinfo
// can find the person. Otherwise the token carries only the pairwise sub.
bool scopes_release_uid(const std::vector<std::string>& scopes);

}  // namespace careid::federation::oidc
