// The SAML Subject careid asserts for a card holder: NameID, authentication context and
// the attribute profile described in federation/README.md.
#pragma once

#include <chrono>
#include <string>

#include "federation/saml/identity_provider.h"
#include "federation/sso/identity_source.h"

namespace careid::federation::sso {

// Attribute names of the profile. The role attributes describe the one role profile chosen
// for the session. The first four have one value each; nhsActivityCode and nhsWorkgroup have
// one value per activity or workgroup and are left out when there is none.
inline constexpr const char* kAttributeUid = "uid";
inline constexpr const char* kAttributeCommonName = "cn";
inline constexpr const char* kAttributeMail = "mail";
inline constexpr const char* kAttributeRoleProfileId = "nhsRoleProfileId";
inline constexpr const char* kAttributeOrgCode = "nhsOrgCode";
inline constexpr const char* kAttributeJobRoleCode = "nhsJobRoleCode";
inline constexpr const char* kAttributeJobRoleName = "nhsJobRoleName";
inline constexpr const char* kAttributeActivityCode = "nhsActivityCode";
inline constexpr const char* kAttributeWorkgroup = "nhsWorkgroup";

inline constexpr const char* kSmartcardPkiClass =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";

// Builds the Subject for `person`: persistent `name_id`, SmartcardPKI authentication
// context, `uid` and `cn` always, `mail` when the person has one, and the role attributes
// of `role` when it is not null. `role` must be one of person.roles.
saml::Subject build_subject(const Person& person, std::string name_id,
                            std::chrono::system_clock::time_point authn_instant,
                            const RoleProfile* role);

}  // namespace careid::federation::sso
