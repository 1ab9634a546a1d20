// The claim profile: which claims a scope releases, in CIS2-compatible names (see the table
// in federation/README.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "federation/oidc/jose.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/password_login.h"

namespace careid::federation::oidc {

// Adds the claims that `scopes` release about `person` to `claims`:
//   profile             uid, name, given_name, family_name, email (the last three only when
//                       the directory has a value)
//   nationalrbacaccess  uid, nhsid_nrbac_roles: one object per role profile with
//                       person_roleid, org_code, role_name, role_code, activities (names;
//                       the code when the activity has no name), activity_codes and
//                       workgroups (arrays, possibly empty)
void add_person_claims(const Person& person, const std::vector<std::string>& scopes, Json& claims);

// Adds acr, amr and authentication_assurance_level, the claim names of NHS CIS2, for a
// login by `method`: "AAL3", ["sc"] and "3" for a card login, and "AAL2",
// ["pwd", "otp", "mfa"] and "2" for a password + TOTP login.
// NOTE: the level is sent as a string. CIS2's documentation was not checked for its type.
void add_authentication_claims(sso::AuthenticationMethod method, Json& claims);

// Returns the lowest assurance level (2 or 3) among the values of an acr_values parameter
// (space-separated, OIDC Core 3.1.2.1) that careid reads: "AAL2" and "AAL3", and CIS2's
// "AAL2_OR_AAL3_ANY" and "AAL3_ANY". Returns 0 when it names none of them. Any one listed
// value satisfies the request, so the lowest one counts.
int requested_assurance_level(std::string_view acr_values);

// True when `scopes` release the uid, which the access token then carries so that userinfo
// can find the person. Otherwise the token carries only the pairwise sub.
bool scopes_release_uid(const std::vector<std::string>& scopes);

}  // namespace careid::federation::oidc
