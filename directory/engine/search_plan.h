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
std::optional<std::vector<storage::EntryId>> plan_candidates(const protocol::Filter& filter,
                                                             const schema::Schema& schema,
                                                             const storage::EntryStore& store,
                                                             const storage::Transaction& txn);

}  // namespace careid::directory::engine
