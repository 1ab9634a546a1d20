#include "federation/sso/subject.h"

namespace careid::federation::sso {
namespace {

void add_role_lists(const RoleProfile& role, saml::Subject& subject) {
  std::vector<std::string> codes;
  for (const RoleActivity& activity : role.activities) {
    codes.push_back(activity.code);
  }
  if (!codes.empty()) {
    subject.attributes[kAttributeActivityCode] = std::move(codes);
  }
  if (!role.workgroups.empty()) {
    subject.attributes[kAttributeWorkgroup] = role.workgroups;
  }
}

}  // namespace

saml::Subject build_subject(const Person& person, std::string name_id,
                            std::chrono::system_clock::time_point authn_instant,
                            const RoleProfile* role) {
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

  // Only the role chosen for this session is asserted, as NHS CIS2 does, so each role
  // attribute has one value and an SP never has to pick a role itself.
  if (role != nullptr) {
    subject.attributes[kAttributeRoleProfileId] = {role->id};
    subject.attributes[kAttributeOrgCode] = {role->org_code};
    subject.attributes[kAttributeJobRoleCode] = {role->job_role_code};
    subject.attributes[kAttributeJobRoleName] = {role->job_role_name};
    add_role_lists(*role, subject);
  }
  return subject;
}

}  // namespace careid::federation::sso
