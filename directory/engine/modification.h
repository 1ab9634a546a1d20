// One change of a ModifyRequest (RFC 4511 4.6, RFC 4525 increment) applied to an entry
// in memory; the caller checks the whole result against the schema afterwards.
#pragma once

#include <optional>

#include "directory/entry.h"
#include "directory/protocol/messages.h"
#include "directory/schema/schema.h"

namespace careid::directory::engine {

// Applies `change` to `entry`. Returns the error to send, or std::nullopt on success:
// undefinedAttributeType for an unknown type, constraintViolation for a NO-USER-MODIFICATION
// attribute, attributeOrValueExists when adding a value already present, noSuchAttribute
// when deleting a value or attribute that is not there, and for increment on a missing
// attribute; invalidAttributeSyntax for a non-integer increment.
std::optional<protocol::LdapResult> apply_modification(const schema::Schema& schema,
                                                       const protocol::Modification& change, Entry& entry);

}  // namespace careid::directory::engine
