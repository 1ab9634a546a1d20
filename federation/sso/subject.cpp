#include "federation/sso/subject.h"

namespace careid::federation::sso {

saml::Subject build_subject(const Person& person, std::string name_id,
                            std::chrono::system_clock::time_point authn_instant) {
  saml::Subject subject;
  subject.name_id = std::move(name_id);
  subject.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  subject.authn_context_class = kSmartcardPkiClass;
  subject.authn_instant = authn_instant;

  subject.attributes[kAttributeUid] = {person.uid};
  subject.attributes[kAttributeCommonName] = {person.cn};
  if (!person.mail.empty()) {
    subject.attributes[kAttributeMail] = {person.mail};
  }

  // Parallel lists: an SP pairs the i-th values, so every role adds one value to each
  // list, even an empty one, to keep the positions aligned.
  if (!person.roles.empty()) {
    auto& ids = subject.attributes[kAttributeRoleProfileId];
    auto& orgs = subject.attributes[kAttributeOrgCode];
    auto& codes = subject.attributes[kAttributeJobRoleCode];
    auto& names = subject.attributes[kAttributeJobRoleName];
    for (const RoleProfile& role : person.roles) {
      ids.push_back(role.id);
      orgs.push_back(role.org_code);
      codes.push_back(role.job_role_code);
      names.push_back(role.job_role_name);
    }
  }
  return subject;
}

}  // namespace careid::federation::sso
