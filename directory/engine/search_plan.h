// Candidate selection for searches: which entry ids a filter can match, from the
// presence, equality, substring and ordering indexes, before the filter itself is
// evaluated on each entry.
#pragma once

#include <optional>
#include <vector>

#include "directory/protocol/filter.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// Returns a sorted superset of the ids that can match `filter`, or std::nullopt when the
// indexes cannot narrow it (the caller then walks the search scope). Equality, presence,
// substrings, greaterOrEqual and lessOrEqual on an attribute with an index of that kind
// use the index (ordering only where plan_ordering allows); AND intersects what its
// operands narrow; OR unions when every operand narrows.
//
// The lists of an AND, and the keys of a substring filter, are counted first and applied
// shortest first. A list much longer than the candidates so far is probed per candidate.
// Once few candidates remain the other lists are skipped, because the caller checks the
// filter on every candidate.
std::optional<std::vector<storage::EntryId>> plan_candidates(const protocol::Filter& filter,
                                                             const schema::Schema& schema,
                                                             const storage::EntryStore& store,
                                                             const storage::Transaction& txn);

// Returns the length of the shortest index list or id set that narrows `filter`, or
// std::nullopt when the indexes cannot narrow it. It reads lists only under OR and
// ordering filters, so a caller can judge the cost of a search before planning it.
std::optional<std::uint64_t> estimate_candidates(const protocol::Filter& filter, const schema::Schema& schema,
                                                 const storage::EntryStore& store,
                                                 const storage::Transaction& txn);

}  // namespace careid::directory::engine
