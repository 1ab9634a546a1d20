// Short codes for attribute names that most stored records repeat.
//
// Internal to directory/storage. A version 3 record writes a name in this table as its
// code instead of its bytes. The codes are part of the on-disk format: a name keeps its
// code for ever, and new names go at the end of the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace careid::directory::storage::detail {

// Returns the code of `name`, compared byte for byte, or nullopt when the table lacks it.
std::optional<std::uint32_t> record_name_code(std::string_view name);

// Returns the name with `code`, or nullopt for a code past the end of the table. The view
// points into static storage.
std::optional<std::string_view> record_name(std::uint64_t code);

}  // namespace careid::directory::storage::detail
