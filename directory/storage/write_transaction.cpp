// The single writer: add, replace and remove keep entries, dn2id, children and the
// indexes consistent within one LMDB write transaction.
#include <algorithm>
#include <iterator>
#include <utility>

#include "directory/storage/entry_codec.h"
#include "directory/storage/pending_index.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

using detail::as_val;
using detail::as_view;

namespace {

std::string id_text(EntryId id) { return "entry id " + std::to_string(id); }

Result<detail::StoredRecord> read_record(const detail::StoreState& state, MDB_txn* txn,
                                         EntryId id) {
  auto bytes = detail::read_record_bytes(state, txn, id);
  if (!bytes.ok()) {
    return bytes.status();
  }
  return detail::decode_record(*bytes, id);
}

}  // namespace

namespace detail {

namespace {

Status put_index_records(const StoreState& state, MDB_txn* txn, EntryId id,
                         const std::vector<IndexRecord>& records, unsigned put_flags) {
  auto id_bytes = encode_id(id);
  for (const IndexRecord& record : records) {
    MDB_val key = as_val(record.key);
    MDB_val data{id_bytes.size(), id_bytes.data()};
    int rc = mdb_put(txn, record.dbi, &key, &data, put_flags);
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "write index record of " + id_text(id), state.folder);
    }
  }
  return Status::ok_status();
}

}  // namespace

std::vector<IndexRecord> index_records(const StoreState& state, const std::vector<IndexKey>& keys) {
  std::vector<IndexRecord> records;
  for (const IndexKey& key : keys) {
    MDB_dbi dbi = *state.find_index(key.attribute);
    if (key.kind == IndexKeyKind::kPresence) {
      records.push_back({dbi, std::string(1, kIndexPresenceKey)});
    } else {
      records.push_back({dbi, std::string(1, static_cast<char>(key.kind)) + key.value});
    }
  }
  std::sort(records.begin(), records.end());
  records.erase(std::unique(records.begin(), records.end()), records.end());
  return records;
}

Status update_index_records(const StoreState& state, MDB_txn* txn, EntryId id,
                            const std::vector<IndexKey>& old_keys,
                            const std::vector<IndexKey>& new_keys) {
  std::vector<IndexRecord> old_records = index_records(state, old_keys);
  std::vector<IndexRecord> new_records = index_records(state, new_keys);
  std::vector<IndexRecord> removed;
  std::vector<IndexRecord> added;
  std::set_difference(old_records.begin(), old_records.end(), new_records.begin(),
                      new_records.end(), std::back_inserter(removed));
  std::set_difference(new_records.begin(), new_records.end(), old_records.begin(),
                      old_records.end(), std::back_inserter(added));

  auto id_bytes = encode_id(id);
  for (const IndexRecord& record : removed) {
    MDB_val key = as_val(record.key);
    MDB_val data{id_bytes.size(), id_bytes.data()};
    int rc = mdb_del(txn, record.dbi, &key, &data);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return lmdb_status(rc, "delete index record of " + id_text(id), state.folder);
    }
  }
  return put_index_records(state, txn, id, added, 0);
}

Status insert_index_records(const StoreState& state, MDB_txn* txn, EntryId id,
                            const std::vector<IndexKey>& keys, unsigned put_flags) {
  return put_index_records(state, txn, id, index_records(state, keys), put_flags);
}

}  // namespace detail

Result<WriteTransaction> WriteTransaction::begin(const detail::StoreState* state) {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(state->env.get(), nullptr, 0, &raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "begin write transaction", state->folder);
  }
  detail::TxnHandle txn(raw);

  auto next_id = detail::read_next_id(*state, raw);
  if (!next_id.ok()) {
    return next_id.status();
  }
  return WriteTransaction(state, txn.release(), *next_id);
}

WriteTransaction::WriteTransaction(const detail::StoreState* state, MDB_txn* txn, EntryId next_id)
    : Transaction(state, txn), next_id_(next_id) {}

Result<WriteTransaction> WriteTransaction::begin_nested() {
  CAREID_RETURN_IF_ERROR(check_writable());
  if (pending_index_ != nullptr) {
    return Status::failed_precondition("a bulk load batch cannot have nested transactions");
  }
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(mdb_txn_env(txn()), txn(), 0, &raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "begin nested write transaction", state().folder);
  }
  WriteTransaction nested(&state(), raw, next_id_);
  nested.parent_ = this;
  return nested;
}

Status WriteTransaction::check_writable() const {
  if (finished_ || txn() == nullptr) {
    return Status::failed_precondition("write transaction already committed or moved from");
  }
  return failure_;
}

Status WriteTransaction::fail(Status status) {
  if (failure_.ok()) {
    failure_ = status;
  }
  return status;
}

Result<EntryId> WriteTransaction::add(std::string_view normalised_dn, EntryId parent,
                                      const Entry& entry, std::vector<IndexKey> index_keys) {
  CAREID_RETURN_IF_ERROR(check_writable());
  if (normalised_dn.empty() || normalised_dn.size() > kMaxNormalisedDnBytes) {
    return Status::invalid_argument("normalised DN must be 1 to " +
                                    std::to_string(kMaxNormalisedDnBytes) + " bytes, got " +
                                    std::to_string(normalised_dn.size()));
  }

  // Check everything that can fail for the caller's reasons before the first write, so
  // that such a failure leaves the transaction usable.
  if (parent != kNoParent) {
    auto grandparent = parent_id(parent);
    if (!grandparent.ok()) {
      return grandparent.status().with_context("parent of '" + std::string(normalised_dn) + "'");
    }
  }

  // MDB_NOOVERWRITE both claims the DN and finds a taken one in a single search. A put
  // that returns MDB_KEYEXIST writes nothing and leaves the transaction usable.
  const EntryId id = next_id_;
  auto id_bytes = detail::encode_id(id);
  MDB_val id_val{id_bytes.size(), id_bytes.data()};
  MDB_val dn_key = as_val(normalised_dn);
  int rc = mdb_put(txn(), state().dn2id, &dn_key, &id_val, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) {
    return Status::already_exists("entry '" + std::string(normalised_dn) + "' already exists");
  }
  if (rc != MDB_SUCCESS) {
    return fail(detail::lmdb_status(rc, "write DN of " + id_text(id), state().folder));
  }

  const std::vector<IndexKey> keys = state().prepare_keys(std::move(index_keys));
  const std::string encoded = detail::encode_record(parent, normalised_dn, entry, keys);

  // Ids only grow, so every new entry key sorts last and MDB_APPEND skips the search.
  MDB_val value = as_val(encoded);
  rc = mdb_put(txn(), state().entries, &id_val, &value, MDB_APPEND);
  if (rc != MDB_SUCCESS) {
    return fail(detail::lmdb_status(rc, "write " + id_text(id), state().folder));
  }

  // The new id is above every stored id, so it sorts last in each id list it joins.
  auto parent_bytes = detail::encode_id(parent);
  MDB_val parent_key{parent_bytes.size(), parent_bytes.data()};
  rc = mdb_put(txn(), state().children, &parent_key, &id_val, MDB_APPENDDUP);
  if (rc != MDB_SUCCESS) {
    return fail(detail::lmdb_status(rc, "link " + id_text(id) + " to its parent", state().folder));
  }

  if (pending_index_ != nullptr) {
    pending_index_->add(state(), keys, id);
  } else {
    Status indexed = detail::insert_index_records(state(), txn(), id, keys, MDB_APPENDDUP);
    if (!indexed.ok()) {
      return fail(indexed);
    }
  }
  next_id_ = id + 1;
  next_id_changed_ = true;
  return id;
}

Status WriteTransaction::replace(EntryId id, const Entry& entry, std::vector<IndexKey> index_keys) {
  CAREID_RETURN_IF_ERROR(check_writable());
  auto record = read_record(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }

  std::vector<IndexKey> old_keys = std::move(record->index_keys);
  record->entry = entry;
  record->index_keys = state().prepare_keys(std::move(index_keys));
  Status indexed = detail::update_index_records(state(), txn(), id, old_keys, record->index_keys);
  if (!indexed.ok()) {
    return fail(indexed);
  }

  const std::string encoded = detail::encode_record(*record);
  auto id_bytes = detail::encode_id(id);
  MDB_val key{id_bytes.size(), id_bytes.data()};
  MDB_val value = as_val(encoded);
  int rc = mdb_put(txn(), state().entries, &key, &value, 0);
  if (rc != MDB_SUCCESS) {
    return fail(detail::lmdb_status(rc, "write " + id_text(id), state().folder));
  }
  return Status::ok_status();
}

Status WriteTransaction::remove(EntryId id) {
  CAREID_RETURN_IF_ERROR(check_writable());
  auto record = read_record(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }
  auto children = has_children(id);
  if (!children.ok()) {
    return children.status();
  }
  if (*children) {
    return Status::failed_precondition("entry '" + record->entry.dn +
                                       "' has children; remove them first");
  }

  Status indexed = detail::update_index_records(state(), txn(), id, record->index_keys, {});
  if (!indexed.ok()) {
    return fail(indexed);
  }

  auto id_bytes = detail::encode_id(id);
  auto parent_bytes = detail::encode_id(record->parent);
  MDB_val id_val{id_bytes.size(), id_bytes.data()};
  MDB_val parent_key{parent_bytes.size(), parent_bytes.data()};
  MDB_val dn_key = as_val(record->normalised_dn);
  int rc = mdb_del(txn(), state().children, &parent_key, &id_val);
  if (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) {
    rc = mdb_del(txn(), state().dn2id, &dn_key, nullptr);
  }
  if (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) {
    rc = mdb_del(txn(), state().entries, &id_val, nullptr);
  }
  if (rc != MDB_SUCCESS) {
    return fail(detail::lmdb_status(rc, "delete " + id_text(id), state().folder));
  }
  return Status::ok_status();
}

Status WriteTransaction::commit() {
  if (finished_ || txn() == nullptr) {
    return Status::failed_precondition("write transaction already committed or moved from");
  }
  finished_ = true;
  if (!failure_.ok()) {
    return failure_;  // the destructor aborts the transaction
  }

  if (next_id_changed_) {
    auto next_bytes = detail::encode_id(next_id_);
    MDB_val key = as_val("next_id");
    MDB_val value{next_bytes.size(), next_bytes.data()};
    int rc = mdb_put(txn(), state().meta, &key, &value, 0);
    if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "write next id", state().folder);
    }
  }

  // mdb_txn_commit frees the transaction whether or not it succeeds.
  MDB_txn* handle = txn();
  release_txn();
  int rc = mdb_txn_commit(handle);
  if (parent_ == nullptr) {
    return rc == MDB_SUCCESS ? Status::ok_status() : detail::lmdb_status(rc, "commit", state().folder);
  }

  // A failed merge may leave part of the changes in the parent, so the parent must not
  // commit either.
  if (rc != MDB_SUCCESS) {
    return parent_->fail(detail::lmdb_status(rc, "commit nested transaction", state().folder));
  }
  parent_->next_id_ = next_id_;
  return Status::ok_status();
}

}  // namespace careid::directory::storage
