#include "federation/oidc/claims.h"

#include "federation/oidc/provider.h"

namespace careid::federation::oidc {
namespace {

void add_if_present(Json& claims, const char* name, const std::string& value) {
  if (!value.empty()) {
    claims[name] = value;
  }
}

// One nhsid_nrbac_roles entry. As in NHS CIS2, `activities` contains the activity names and
// `activity_codes` the B-codes, in the same order.
Json role_claim(const RoleProfile& role) {
  Json names = Json::array();
  Json codes = Json::array();
  for (const RoleActivity& activity : role.activities) {
    names.push_back(activity.name.empty() ? activity.code : activity.name);
    codes.push_back(activity.code);
  }
  return {{"person_roleid", role.id},   {"org_code", role.org_code},       {"role_name", role.job_role_name},
          {"role_code", role.job_role_code}, {"activities", std::move(names)}, {"activity_codes", std::move(codes)},
          {"workgroups", role.workgroups}};
}

}  // namespace

void add_authentication_claims(sso::AuthenticationMethod method, Json& claims) {
  if (method == sso::AuthenticationMethod::kPasswordTotp) {
    claims["acr"] = kAcrPasswordTotp;
    claims["amr"] = {"pwd", "otp", "mfa"};
    claims["authentication_assurance_level"] = "2";
    return;
  }
  claims["acr"] = kAcrSmartcard;
  claims["amr"] = {kAmrSmartcard};
  claims["authentication_assurance_level"] = "3";
}

int requested_assurance_level(std::string_view acr_values) {
  int lowest = 0;
  for (const std::string& value : split_scopes(acr_values)) {
    int level = 0;
    if (value == kAcrPasswordTotp || value == kAcrRequestAal2OrAal3) {
      level = 2;
    } else if (value == kAcrSmartcard || value == kAcrRequestAal3) {
      level = 3;
    }
    if (level != 0 && (lowest == 0 || level < lowest)) {
      lowest = level;
    }
  }
  return lowest;
}

bool scopes_release_uid(const std::vector<std::string>& scopes) {
  return has_scope(scopes, kScopeProfile) || has_scope(scopes, kScopeNationalRbac);
}

void add_person_claims(const Person& person, const std::vector<std::string>& scopes, Json& claims) {
  if (scopes_release_uid(scopes)) {
    claims["uid"] = person.uid;
  }
  if (has_scope(scopes, kScopeProfile)) {
    claims["name"] = person.cn;
    add_if_present(claims, "given_name", person.given_name);
    add_if_present(claims, "family_name", person.surname);
    add_if_present(claims, "email", person.mail);
  }
  if (has_scope(scopes, kScopeNationalRbac)) {
    Json roles = Json::array();
    for (const RoleProfile& role : person.roles) {
      roles.push_back(role_claim(role));
    }
    claims["nhsid_nrbac_roles"] = std::move(roles);
  }
}

}  // namespace careid::federation::oidc
