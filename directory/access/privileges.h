// Access privileges and the levels that grant them, after OpenLDAP's slapd.access(5): each
// level grants its own privilege and those of every level below it.
//
//   none < disclose < auth < compare < search < read < {add, delete} < write
//
// add and delete are the two halves of write: add allows adding an entry or attribute
// values, delete allows deleting an entry or values, write allows both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace careid::directory::access {

enum Privilege : unsigned {
  kDisclose = 1u << 0,  // the entry's existence may show in error results
  kAuth = 1u << 1,      // the attribute may be used to authenticate (bind)
  kCompare = 1u << 2,
  kSearch = 1u << 3,  // the attribute may appear in a search filter
  kRead = 1u << 4,
  kAdd = 1u << 5,
  kDelete = 1u << 6,
};

using Privileges = unsigned;

inline constexpr Privileges kReadLevel = kDisclose | kAuth | kCompare | kSearch | kRead;
inline constexpr Privileges kAllPrivileges = kReadLevel | kAdd | kDelete;

// Parses a level name ("none", "disclose", "auth", "compare", "search", "read", "add",
// "delete", "write") into the privileges it grants; std::nullopt for any other text.
std::optional<Privileges> parse_level(std::string_view level);

// Names `privileges` as a level or, when they form no level, as OpenLDAP's letters
// ("dxcsraz"), for diagnostics.
std::string describe_privileges(Privileges privileges);

}  // namespace careid::directory::access
