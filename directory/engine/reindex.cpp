// Directory::rebuild_indexes, for `careidctl directory reindex`.
#include "directory/engine/directory.h"

namespace careid::directory::engine {

Result<ReindexSummary> Directory::rebuild_indexes() {
  ReindexSummary summary;
  auto entries = store_->rebuild_indexes();
  if (!entries.ok()) {
    return entries.status();
  }
  summary.entries = *entries;

  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return txn.status();
  }
  for (const std::string& attribute : store_->indexed_attributes()) {
    auto records = txn->index_record_count(attribute);
    if (!records.ok()) {
      return records.status();
    }
    summary.attributes.push_back({attribute, storage::index_kinds_text(store_->index_kinds(attribute)), *records});
  }
  return summary;
}

}  // namespace careid::directory::engine
