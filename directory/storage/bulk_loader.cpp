// Bulk loading: large write transactions without a disk sync per commit.
#include <utility>

#include "base/log.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

BulkLoader::BulkLoader(const detail::StoreState* state, BulkLoadOptions options)
    : state_(state),
      options_(options),
      pending_index_(std::make_unique<std::vector<detail::PendingIndexRecord>>()) {}

BulkLoader::BulkLoader(BulkLoader&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      options_(other.options_),
      batch_(std::move(other.batch_)),
      pending_index_(std::move(other.pending_index_)),
      in_batch_(other.in_batch_),
      committed_(other.committed_),
      finished_(other.finished_),
      sync_restored_(other.sync_restored_) {
  other.batch_.reset();
}

BulkLoader::~BulkLoader() {
  batch_.reset();
  restore_sync();
}

void BulkLoader::restore_sync() {
  if (state_ == nullptr || sync_restored_) {
    return;
  }
  sync_restored_ = true;
  if (state_->options.sync) {
    mdb_env_set_flags(state_->env.get(), MDB_NOSYNC, 0);
  }
}

Status BulkLoader::stop(Status status) {
  batch_.reset();
  pending_index_->clear();
  finished_ = true;
  restore_sync();
  return status.with_context("bulk load stopped after " + std::to_string(committed_) +
                             " committed entries");
}

Status BulkLoader::ensure_batch() {
  if (finished_ || state_ == nullptr) {
    return Status::failed_precondition("bulk load already finished");
  }
  if (batch_) {
    return Status::ok_status();
  }

  auto batch = WriteTransaction::begin(state_);
  if (!batch.ok()) {
    return stop(batch.status());
  }
  batch_.emplace(std::move(batch).value());
  batch_->pending_index_ = pending_index_.get();
  return Status::ok_status();
}

Status BulkLoader::commit_batch() {
  // After a failed write LMDB rejects every later one, so commit() reports the first.
  Status status = batch_->failure_.ok()
                      ? detail::write_pending_index_records(*state_, batch_->txn(), *pending_index_)
                      : Status::ok_status();
  if (!status.ok()) {
    return stop(status);
  }
  status = batch_->commit();
  batch_.reset();
  if (!status.ok()) {
    return stop(status);
  }
  committed_ += in_batch_;
  in_batch_ = 0;
  return Status::ok_status();
}

Result<EntryId> BulkLoader::add(std::string_view normalised_dn, EntryId parent, const Entry& entry,
                                std::vector<IndexKey> index_keys) {
  CAREID_RETURN_IF_ERROR(ensure_batch());

  auto id = batch_->add(normalised_dn, parent, entry, std::move(index_keys));
  if (!id.ok()) {
    // A failure before the first write leaves the batch usable, so skip just this entry.
    if (batch_->failure_.ok()) {
      return id.status();
    }
    return stop(id.status());
  }

  if (++in_batch_ >= options_.commit_every) {
    CAREID_RETURN_IF_ERROR(commit_batch());
  }
  return id;
}

Result<EntryId> BulkLoader::find_id(std::string_view normalised_dn) {
  CAREID_RETURN_IF_ERROR(ensure_batch());
  return batch_->find_id(normalised_dn);
}

Status BulkLoader::finish() {
  if (finished_ || state_ == nullptr) {
    return Status::failed_precondition("bulk load already finished");
  }
  if (batch_) {
    CAREID_RETURN_IF_ERROR(commit_batch());
  }
  finished_ = true;

  int rc = mdb_env_sync(state_->env.get(), 1);
  restore_sync();
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "sync after bulk load", state_->folder);
  }
  log::get("directory")
      ->info("bulk load finished folder={} entries={}", state_->folder.string(), committed_);
  return Status::ok_status();
}

Result<BulkLoader> EntryStore::start_bulk_load(BulkLoadOptions options) {
  if (options.commit_every == 0) {
    return Status::invalid_argument("bulk load commit_every must be greater than zero");
  }

  // MDB_NOSYNC applies to the whole environment, so other writers that commit during
  // the load also skip the sync. finish() syncs everything once.
  if (state_->options.sync) {
    int rc = mdb_env_set_flags(state_->env.get(), MDB_NOSYNC, 1);
    if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "start bulk load", state_->folder);
    }
  }
  return BulkLoader(state_.get(), options);
}

}  // namespace careid::directory::storage
