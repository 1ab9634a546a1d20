// The NameID sent to an SP, by the Format of the AuthnRequest's NameIDPolicy (SAML Core
// 3.4.1.1 and 8.3).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/persistent_id.h"

namespace careid::federation::sso {

struct NameId {
  std::string value;
  std::string format;
};

// Chooses the NameID for `person` at `sp_entity_id`:
//   persistent, unspecified or none  the persistent pseudonym of persistent_id.h
//   transient                         a fresh random xs:ID, different for every assertion
//   emailAddress                      the person's mail address
// Errors: kFailedPrecondition when emailAddress is requested and the person has no mail
// address (the caller answers InvalidNameIDPolicy); kInvalidArgument for any other format;
// kInternal when the HMAC or the random generator fails.
Result<NameId> select_name_id(std::string_view requested_format, const Person& person,
                              std::string_view sp_entity_id, const PersistentIdGenerator& ids);

}  // namespace careid::federation::sso
