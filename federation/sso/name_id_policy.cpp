#include "federation/sso/name_id_policy.h"

#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"

namespace careid::federation::sso {

Result<NameId> select_name_id(std::string_view requested_format, const Person& person,
                              std::string_view sp_entity_id, const PersistentIdGenerator& ids) {
  if (requested_format.empty() || requested_format == saml::kNameIdPersistent ||
      requested_format == saml::kNameIdUnspecified) {
    Result<std::string> pseudonym = ids.name_id(sp_entity_id, person.uid);
    if (!pseudonym.ok()) {
      return pseudonym.status();
    }
    return NameId{std::move(*pseudonym), std::string(saml::kNameIdPersistent)};
  }

  if (requested_format == saml::kNameIdTransient) {
    Result<std::string> value = saml::random_id();
    if (!value.ok()) {
      return value.status();
    }
    return NameId{std::move(*value), std::string(saml::kNameIdTransient)};
  }

  if (requested_format == saml::kNameIdEmail) {
    if (person.mail.empty()) {
      return Status::failed_precondition("the card holder has no mail address for an "
                                         "emailAddress NameID");
    }
    return NameId{person.mail, std::string(saml::kNameIdEmail)};
  }
  return Status::invalid_argument("NameID format " + std::string(requested_format.substr(0, 128)) +
                                  " is not supported");
}

}  // namespace careid::federation::sso
