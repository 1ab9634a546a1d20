// Directory::rebuild_indexes and check_store, for `careidctl directory reindex` and `check`.
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

Result<storage::StoreCheckReport> Directory::check_store(const storage::StoreCheckOptions& options) const {
  return store_->check(options);
}

}  // namespace careid::directory::engine
