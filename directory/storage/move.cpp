// WriteTransaction::move: modify DN (RFC 4511 4.9) for an entry and its whole subtree in
// one LMDB write transaction, keeping ids so that index records stay valid.
#include <utility>

#include "directory/storage/entry_codec.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

using detail::as_val;
using detail::as_view;

namespace {

std::string id_text(EntryId id) { return "entry id " + std::to_string(id); }

Result<detail::StoredRecord> load_record(const detail::StoreState& state, MDB_txn* txn, EntryId id) {
  auto bytes = detail::read_record_bytes(state, txn, id);
  if (!bytes.ok()) {
    return bytes.status();
  }
  return detail::decode_record(*bytes, id);
}

Status check_normalised_dn(std::string_view normalised_dn) {
  if (normalised_dn.empty() || normalised_dn.size() > kMaxNormalisedDnBytes) {
    return Status::invalid_argument("normalised DN must be 1 to " + std::to_string(kMaxNormalisedDnBytes) +
                                    " bytes, got " + std::to_string(normalised_dn.size()));
  }
  return Status::ok_status();
}

// One entry of the moved subtree: its id, the record as stored, and its old normalised DN.
struct MovedRecord {
  EntryId id = 0;
  detail::StoredRecord record;
  std::string old_normalised_dn;
};

Status write_moved(const detail::StoreState& state, MDB_txn* txn, const std::vector<MovedRecord>& moved,
                   EntryId old_parent, EntryId new_parent) {
  const EntryId id = moved.front().id;
  auto id_bytes = detail::encode_id(id);
  MDB_val id_val{id_bytes.size(), id_bytes.data()};
  if (old_parent != new_parent) {
    auto old_parent_bytes = detail::encode_id(old_parent);
    auto new_parent_bytes = detail::encode_id(new_parent);
    MDB_val old_key{old_parent_bytes.size(), old_parent_bytes.data()};
    MDB_val new_key{new_parent_bytes.size(), new_parent_bytes.data()};
    int rc = mdb_del(txn, state.children, &old_key, &id_val);
    if (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) {
      rc = mdb_put(txn, state.children, &new_key, &id_val, 0);
    }
    if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "relink " + id_text(id) + " to its new parent", state.folder);
    }
  }

  // Every old DN goes before any new one is written, because a new DN may equal an old
  // one when the rename changes only case or spacing.
  for (const MovedRecord& member : moved) {
    MDB_val dn_key = as_val(member.old_normalised_dn);
    int rc = mdb_del(txn, state.dn2id, &dn_key, nullptr);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return detail::lmdb_status(rc, "delete old DN of " + id_text(member.id), state.folder);
    }
  }
  for (const MovedRecord& member : moved) {
    auto member_bytes = detail::encode_id(member.id);
    MDB_val member_val{member_bytes.size(), member_bytes.data()};
    MDB_val dn_key = as_val(member.record.normalised_dn);
    int rc = mdb_put(txn, state.dn2id, &dn_key, &member_val, MDB_NOOVERWRITE);
    if (rc == MDB_SUCCESS) {
      const std::string encoded = detail::encode_record(member.record);
      MDB_val value = as_val(encoded);
      rc = mdb_put(txn, state.entries, &member_val, &value, 0);
    }
    if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "write moved " + id_text(member.id), state.folder);
    }
  }
  return Status::ok_status();
}

}  // namespace

Status WriteTransaction::move(EntryId id, EntryId new_parent, std::string_view new_normalised_dn,
                              const Entry& entry, std::vector<IndexKey> index_keys,
                              const std::function<std::string(std::string_view old_dn_text)>& descendant_dn) {
  CAREID_RETURN_IF_ERROR(check_writable());
  CAREID_RETURN_IF_ERROR(check_normalised_dn(new_normalised_dn));
  auto root = load_record(state(), txn(), id);
  if (!root.ok()) {
    return root.status();
  }

  // The new parent must exist and must not be the entry or one of its descendants, or
  // the subtree would be cut off from the tree.
  for (EntryId ancestor = new_parent; ancestor != kNoParent;) {
    if (ancestor == id) {
      return Status::invalid_argument("cannot move '" + root->entry.dn + "' below itself");
    }
    auto next = parent_id(ancestor);
    if (!next.ok()) {
      return next.status().with_context("new parent of '" + root->entry.dn + "'");
    }
    ancestor = *next;
  }
  auto existing = find_id(new_normalised_dn);
  if (existing.ok() && *existing != id) {
    return Status::already_exists("entry '" + std::string(new_normalised_dn) + "' already exists");
  }
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }

  // Read the whole subtree and compute every new DN before writing anything.
  const std::string old_suffix = root->normalised_dn;
  std::vector<MovedRecord> moved;
  Status collected = for_each_in_subtree(id, [&](EntryId member) {
    if (member != id) {
      moved.push_back({member, {}, {}});
    }
    return true;
  });
  CAREID_RETURN_IF_ERROR(collected);
  for (MovedRecord& member : moved) {
    auto record = load_record(state(), txn(), member.id);
    if (!record.ok()) {
      return record.status();
    }
    const std::string& old_dn = record->normalised_dn;
    if (old_dn.size() <= old_suffix.size() + 1 || !old_dn.ends_with("," + old_suffix)) {
      return Status::corruption("stored DN of " + id_text(member.id) + " does not end with its ancestor's DN '" +
                                old_suffix + "'");
    }
    member.old_normalised_dn = old_dn;
    member.record = std::move(*record);
    const std::string& leading_rdns = member.old_normalised_dn;
    member.record.normalised_dn =
        leading_rdns.substr(0, leading_rdns.size() - old_suffix.size()) + std::string(new_normalised_dn);
    CAREID_RETURN_IF_ERROR(check_normalised_dn(member.record.normalised_dn));
    member.record.entry.dn = descendant_dn(member.record.entry.dn);
  }

  const EntryId old_parent = root->parent;
  std::vector<IndexKey> old_keys = std::move(root->index_keys);
  MovedRecord top{id, std::move(*root), old_suffix};
  top.record.parent = new_parent;
  top.record.normalised_dn = std::string(new_normalised_dn);
  top.record.entry = entry;
  top.record.index_keys = state().prepare_keys(std::move(index_keys));
  Status indexed = detail::update_index_records(state(), txn(), id, old_keys, top.record.index_keys);
  if (!indexed.ok()) {
    return fail(indexed);
  }
  moved.insert(moved.begin(), std::move(top));
  Status written = write_moved(state(), txn(), moved, old_parent, new_parent);
  return written.ok() ? written : fail(written);
}

}  // namespace careid::directory::storage
