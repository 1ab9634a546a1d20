// Which attributes a search returns (RFC 4511 4.5.1.8, RFC 3673): none for "1.1" alone,
// all user attributes for "*" or an empty list, all operational attributes for "+", and
// any attribute named (with its subtypes). Unknown names are ignored, as RFC 4511 4.5.1.8 requires.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/entry.h"
#include "directory/protocol/messages.h"
#include "directory/schema/schema.h"

namespace careid::directory::engine {

struct Selection {
  bool all_user = false;
  bool all_operational = false;
  std::vector<std::string> named;  // attribute descriptions as requested
};

Selection parse_selection(const std::vector<std::string>& requested);

// True when `selection` returns the operational attribute `name`: "+" or the name itself.
bool selects_operational(const schema::Schema& schema, const Selection& selection, std::string_view name);

// Builds the SearchResultEntry for `entry`. `operational` contains the computed operational
// attributes (entryDN, hasSubordinates, subschemaSubentry) to offer alongside the stored
// ones. userPassword values are left out unless `show_passwords`.
protocol::SearchResultEntry select_attributes(const schema::Schema& schema, const Entry& entry,
                                              const std::vector<Attribute>& operational,
                                              const Selection& selection, bool types_only,
                                              bool show_passwords);

// Builds the same SearchResultEntry but moves the DN and the values out of `entry`, and
// leaves out each attribute for whose description `readable` returns false. `readable`
// is called for every candidate attribute before anything moves, so it may read `entry`
// (an access target does). Afterwards `entry` contains its attribute names without values, and no DN.
protocol::SearchResultEntry take_selected_attributes(
    const schema::Schema& schema, Entry& entry, const std::vector<Attribute>& operational,
    const Selection& selection, bool types_only, bool show_passwords,
    const std::function<bool(std::string_view description)>& readable);

}  // namespace careid::directory::engine
