// Bulk loading: large write transactions without a disk sync per commit.
#include <string_view>
#include <utility>

#include "base/log.h"
#include "directory/storage/pending_index.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

namespace {

// Marks a store whose entries are committed but whose index records are still held by a
// bulk load. EntryStore::open rejects a store that has it.
constexpr std::string_view kIncompleteLoadMeta = "bulk_load_incomplete";

// Held-back index records written per transaction, so that its dirty pages stay bounded.
// Appended records fill an estimated 15,000 pages per transaction, below the 131,072 dirty
// pages that LMDB 0.9 keeps in memory before it spills them to the file.
constexpr std::uint64_t kIndexRecordsPerCommit = 2'000'000;

}  // namespace

BulkLoader::BulkLoader(const detail::StoreState* state, BulkLoadOptions options)
    : state_(state),
      options_(options),
      pending_index_(std::make_unique<detail::PendingIndexRecords>()) {}

BulkLoader::BulkLoader(BulkLoader&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      options_(other.options_),
      batch_(std::move(other.batch_)),
      pending_index_(std::move(other.pending_index_)),
      in_batch_(other.in_batch_),
      committed_(other.committed_),
      batch_first_id_(other.batch_first_id_),
      started_(other.started_),
      hold_index_records_(other.hold_index_records_),
      finished_(other.finished_),
      sync_restored_(other.sync_restored_) {
  other.batch_.reset();
}

BulkLoader::~BulkLoader() {
  if (batch_) {
    batch_.reset();
    pending_index_->drop_from(batch_first_id_);
  }
  if (state_ != nullptr && hold_index_records_ && !finished_) {
    // Leave the committed entries as a consistent store rather than one that open rejects.
    Status written = write_held_index_records(true);
    if (!written.ok()) {
      log::get("directory")
          ->error("bulk load abandoned with incomplete indexes folder={} error={}; delete the "
                  "folder and load again",
                  state_->folder.string(), written.to_string());
    }
  }
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
  pending_index_ = std::make_unique<detail::PendingIndexRecords>();
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
  batch_first_id_ = batch_->next_id_;
  if (!started_) {
    started_ = true;
    return start_first_batch();
  }
  return Status::ok_status();
}

// Decides whether index records wait for finish(), and marks the store if they do.
Status BulkLoader::start_first_batch() {
  auto entries = batch_->entry_count();
  if (!entries.ok()) {
    return stop(entries.status());
  }
  if (*entries != 0) {
    return Status::ok_status();
  }

  MDB_val key = detail::as_val(kIncompleteLoadMeta);
  MDB_val value = detail::as_val("1");
  int rc = mdb_put(batch_->txn(), state_->meta, &key, &value, 0);
  if (rc != MDB_SUCCESS) {
    return stop(detail::lmdb_status(rc, "mark the store as being loaded", state_->folder));
  }
  hold_index_records_ = true;
  return Status::ok_status();
}

Status BulkLoader::commit_batch() {
  // After a failed write LMDB rejects every later one, so commit() reports the first.
  Status status = Status::ok_status();
  if (!hold_index_records_ && batch_->failure_.ok()) {
    status = pending_index_->write(
        *state_, [this]() -> Result<MDB_txn*> { return batch_->txn(); },
        [] { return Status::ok_status(); }, 0);
  }
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

// Writes the held-back index records of committed entries in transactions of their own,
// and with `clear_mark` removes the incomplete-load marker in the last. No batch may be open.
Status BulkLoader::write_held_index_records(bool clear_mark) {
  auto begin = [this]() -> Result<MDB_txn*> {
    CAREID_RETURN_IF_ERROR(ensure_batch());
    return batch_->txn();
  };
  auto commit = [this] { return commit_batch(); };
  Status status = pending_index_->write(*state_, begin, commit, kIndexRecordsPerCommit);
  if (!status.ok()) {
    return batch_ ? stop(status) : status;
  }
  if (!clear_mark) {
    return batch_ ? commit_batch() : Status::ok_status();
  }

  CAREID_RETURN_IF_ERROR(ensure_batch());
  MDB_val key = detail::as_val(kIncompleteLoadMeta);
  int rc = mdb_del(batch_->txn(), state_->meta, &key, nullptr);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return stop(detail::lmdb_status(rc, "clear the store's loading mark", state_->folder));
  }
  return commit_batch();
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
    // Writing the held records early keeps memory bounded. The marker stays until finish().
    if (hold_index_records_ && pending_index_->memory_bytes() > options_.max_index_memory_bytes) {
      CAREID_RETURN_IF_ERROR(write_held_index_records(false));
    }
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
  if (hold_index_records_) {
    CAREID_RETURN_IF_ERROR(write_held_index_records(true));
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
