// Builds and checks entries for add and modify: attribute descriptions in the schema's
// names, values checked against the schema, and the operational attributes the server
// maintains (RFC 4512 3.4).
#pragma once

#include <chrono>

#include "directory/engine/directory.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {

// Turns an AddRequest's attributes into an Entry with canonical descriptions, merging
// repeated descriptions. undefinedAttributeType for an unknown type; constraintViolation
// when the client supplies an attribute marked NO-USER-MODIFICATION.
Result<Entry, protocol::LdapResult> entry_from_request(const schema::Schema& schema,
                                                       const protocol::AddRequest& request);

// Checks `entry` against the schema (object classes, MUST/MAY, syntaxes, single-value,
// duplicates) and that its RDN values are present; returns the LDAP error to send.
std::optional<protocol::LdapResult> check_entry(const schema::Schema& schema, const Entry& entry,
                                                const dn::Dn& name);

// True when every AVA of the DN's RDN is a value of `entry` (RFC 4512 2.3).
bool has_rdn_values(const schema::Schema& schema, const Entry& entry, const dn::Dn& name);

// Sets createTimestamp, creatorsName, entryUUID (new entries) and modifyTimestamp,
// modifiersName, entryCSN (always) where the schema defines them.
void stamp_operational(const schema::Schema& schema, Entry& entry, std::string_view actor,
                       bool created, std::chrono::system_clock::time_point now);

}  // namespace careid::directory::engine

namespace careid::directory::engine {

// True when `name` is one of the configured naming contexts.
bool is_suffix(const schema::Schema& schema, const DirectoryOptions& options, const NamedDn& name);

}  // namespace careid::directory::engine
