// The role selection page: after a card login, a person with several role profiles chooses
// the one to work in, as NHS CIS2 does. The page is careid's own HTML: every value is
// escaped, the form carries the pending login's CSRF token, and the only script (a filter
// for the search box) is static, so a Content-Security-Policy can allow it by its hash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "federation/sso/identity_source.h"

namespace careid::federation::sso {

// Path of the role form's action for SAML logins. OpenID logins post to /oidc/role.
inline constexpr std::string_view kRoleChoicePath = "/saml/role";

// With more roles than this the page shows a search box that filters the list.
inline constexpr std::size_t kRoleSearchThreshold = 5;

// Builds the page listing each role's job role name, organisation name and ODS code, with
// one radio button per role (value: the role profile ID) and the hidden field
// `csrf_token`. The form posts to `action`, a path on careid itself.
std::string build_role_page(std::string_view person_name, const std::vector<RoleProfile>& roles,
                            std::string_view csrf_token,
                            std::string_view action = kRoleChoicePath);

// The fields of a submitted role form (application/x-www-form-urlencoded).
struct RoleChoiceForm {
  std::string csrf_token;
  std::string role_profile_id;
};

// Parses the role form body. An empty field means it was missing; repeated fields, bad
// percent-encoding or a body over 4 KiB leave both fields empty.
RoleChoiceForm parse_role_form(std::string_view body);

}  // namespace careid::federation::sso
