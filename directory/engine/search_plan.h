// Candidate selection for searches: which entry ids a filter can match, from the
// equality and presence indexes, before the filter itself is evaluated on each entry.
#pragma once

#include <optional>
#include <vector>

#include "directory/protocol/filter.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// Returns a sorted superset of the ids that can match `filter`, or std::nullopt when the
// indexes cannot narrow it (the caller then walks the search scope). Equality on an
// indexed attribute and presence of an indexed attribute use the index; AND intersects
// what its operands narrow; OR unions when every operand narrows.
std::optional<std::vector<storage::EntryId>> plan_candidates(const protocol::Filter& filter,
                                                             const schema::Schema& schema,
                                                             const storage::EntryStore& store,
                                                             const storage::Transaction& txn);

}  // namespace careid::directory::engine
