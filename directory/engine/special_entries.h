// Entries the server makes up rather than stores: the root DSE (RFC 4512 5.1), the
// subschema subentry (RFC 4512 4.2), and the operational attributes computed per entry.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "directory/engine/attribute_selection.h"
#include "directory/engine/directory.h"

namespace careid::directory::engine {

inline constexpr std::string_view kSubschemaDn = "cn=Subschema";
inline constexpr std::string_view kWhoAmIOid = "1.3.6.1.4.1.4203.1.11.3";
inline constexpr std::string_view kManageDsaItOid = "2.16.840.1.113730.3.4.2";

// Returns the root DSE for base "" with scope base, the subschema entry for base
// "cn=Subschema" with scope base, and std::nullopt for anything else. The subschema
// entry lists ldapSyntaxes, matchingRules, matchingRuleUse (computed from the attribute
// types), attributeTypes and objectClasses; it has no dITContentRules because careid
// defines none. Its createTimestamp and modifyTimestamp are the time the process started,
// because the schema is loaded once at start-up.
std::optional<Entry> special_entry(const schema::Schema& schema, const DirectoryOptions& options,
                                   std::string_view base, protocol::SearchScope scope);

// The operational attributes computed for stored entry `id`: entryDN (RFC 5020),
// hasSubordinates (X.501), subschemaSubentry (RFC 4512 4.2), structuralObjectClass when
// the entry does not store it (RFC 4512 3.4), and numSubordinates only when `selection`
// names it or contains "+", because it counts the children.
std::vector<Attribute> computed_operational_attributes(const schema::Schema& schema, const Entry& entry,
                                                       const storage::Transaction& txn, storage::EntryId id,
                                                       const Selection& selection);

}  // namespace careid::directory::engine
