// Index keys: what the entry store indexes for each value of an indexed attribute, and the
// substring keys that the search planner looks up for a substrings filter.
//
// Substring keys are the 3-byte windows ("trigrams") of the value in the normal form of
// the attribute's SUBSTR rule. A 0x00 byte is added at each end, so windows at the start
// and end also anchor initial and final parts. A substrings match (RFC 4511
// 4.5.1.7.2) needs each normalised part to occur in the normalised value, so every window
// of a part is a key of every matching value: intersecting the ids of a part's windows
// gives a superset of the matches. A value whose normal form is longer than
// kMaxSubstringIndexedBytes gets the single key "" instead, and the planner adds the ids
// under "" to every substring lookup.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/protocol/filter.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

inline constexpr std::size_t kMaxSubstringIndexedBytes = 1024;

// Parses index kind names: "eq" (or "equality"), "pres" ("presence"), "sub" ("substr",
// "substrings") and "ord" ("ordering"), as kIndexEquality and so on. InvalidArgument names
// an unknown kind or an empty list, with `attribute` for context.
Result<unsigned> parse_index_kinds(std::string_view attribute, const std::vector<std::string>& kinds);

// Fills store_options.indexes from `indexed_attributes` (equality and presence each) and
// `indexes`, with the names the schema gives the types, and sets rebuild_index_keys.
// InvalidArgument names an attribute the schema does not define. `schema` must outlive
// the store.
Status configure_store_indexes(const schema::Schema& schema,
                               const std::vector<std::string>& indexed_attributes,
                               const std::vector<storage::AttributeIndex>& indexes,
                               storage::StoreOptions& store_options);

// Returns the index keys of `entry` for `indexes`: a presence key per indexed attribute
// present, equality keys (also used for ordering) and substring keys per value. Values a
// matching rule cannot read get no equality or substring key but still count as present.
// Attribute descriptions with options index under their attribute type.
std::vector<storage::IndexKey> compute_index_keys(const schema::Schema& schema,
                                                  const std::vector<storage::AttributeIndex>& indexes,
                                                  const Entry& entry);

// The substring keys of one normalised value, as described above.
std::vector<std::string> substring_value_keys(std::string_view normalised_value);

// The substring keys that every value matching `filter` has, at most `max_keys` of them
// (a subset still gives a superset of ids). Empty when no part is long enough or the type
// has no implemented SUBSTR rule; then the index cannot narrow the search.
std::vector<std::string> substring_filter_keys(const schema::AttributeType& type,
                                               const protocol::SubstringFilter& filter,
                                               std::size_t max_keys);

}  // namespace careid::directory::engine
