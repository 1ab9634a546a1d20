// Entries the server makes up rather than stores: the root DSE (RFC 4512 5.1), the
// subschema subentry (RFC 4512 4.2), and the operational attributes computed per entry.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "directory/engine/directory.h"

namespace careid::directory::engine {

inline constexpr std::string_view kSubschemaDn = "cn=Subschema";
inline constexpr std::string_view kWhoAmIOid = "1.3.6.1.4.1.4203.1.11.3";
inline constexpr std::string_view kManageDsaItOid = "2.16.840.1.113730.3.4.2";

// Returns the root DSE for base "" with scope base, the subschema entry for base
// "cn=Subschema" with scope base, and std::nullopt for anything else.
std::optional<Entry> special_entry(const schema::Schema& schema, const DirectoryOptions& options,
                                   std::string_view base, protocol::SearchScope scope);

// entryDN, hasSubordinates and subschemaSubentry for `entry` (RFC 5020, RFC 3045 style).
std::vector<Attribute> computed_operational_attributes(const schema::Schema& schema, const Entry& entry,
                                                       bool has_children);

}  // namespace careid::directory::engine
