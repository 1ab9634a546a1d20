// Rebuilding the indexes after the index configuration changed, or on request.
#include <algorithm>

#include "base/log.h"
#include "directory/storage/entry_codec.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage::detail {

namespace {

Status reset_index_databases(StoreState& state, MDB_txn* txn,
                             const std::vector<std::string>& old_names) {
  for (const std::string& name : old_names) {
    if (std::binary_search(state.indexed_names.begin(), state.indexed_names.end(), name)) {
      continue;
    }
    MDB_dbi dbi = 0;
    int rc = mdb_dbi_open(txn, index_database_name(name).c_str(), kIdListFlags, &dbi);
    if (rc == MDB_SUCCESS) {
      rc = mdb_drop(txn, dbi, 1);
    }
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "drop index of " + name, state.folder);
    }
  }

  state.index_dbis.resize(state.indexed_names.size());
  for (std::size_t i = 0; i < state.indexed_names.size(); ++i) {
    const std::string db_name = index_database_name(state.indexed_names[i]);
    int rc = mdb_dbi_open(txn, db_name.c_str(), kIdListFlags, &state.index_dbis[i]);
    if (rc == MDB_SUCCESS) {
      rc = mdb_drop(txn, state.index_dbis[i], 0);
    }
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "empty index of " + state.indexed_names[i], state.folder);
    }
  }
  return Status::ok_status();
}

// Recomputes the keys of the entry under `cursor`, writes its index records and stores
// the new keys in its record so that later removals find them.
Status reindex_entry(StoreState& state, MDB_txn* txn, MDB_cursor* cursor, const MDB_val& key,
                     const MDB_val& value) {
  EntryId id = 0;
  if (!decode_id(as_view(key), id)) {
    return Status::corruption("entries database in " + state.folder.string() +
                              " holds a malformed id");
  }
  auto record = decode_record(as_view(value), id);
  if (!record.ok()) {
    return record.status();
  }

  record->index_keys = state.prepare_keys(state.options.rebuild_index_keys(record->entry));
  CAREID_RETURN_IF_ERROR(update_index_records(state, txn, id, {}, record->index_keys));

  // The key is copied because `key` points into a page that the writes above may move.
  auto id_bytes = encode_id(id);
  MDB_val id_key{id_bytes.size(), id_bytes.data()};
  const std::string encoded = encode_record(*record);
  MDB_val encoded_value = as_val(encoded);
  int rc = mdb_cursor_put(cursor, &id_key, &encoded_value, MDB_CURRENT);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "rewrite entry id " + std::to_string(id), state.folder);
  }
  return Status::ok_status();
}

}  // namespace

Result<std::uint64_t> rebuild_indexes(StoreState& state, MDB_txn* txn,
                                      const std::vector<std::string>& old_names) {
  auto logger = log::get("directory");
  logger->warn("rebuilding entry store indexes folder={}", state.folder.string());
  CAREID_RETURN_IF_ERROR(reset_index_databases(state, txn, old_names));

  auto cursor = open_cursor(txn, state.entries, state.folder);
  if (!cursor.ok()) {
    return cursor.status();
  }
  std::uint64_t count = 0;
  MDB_val key{};
  MDB_val value{};
  int rc = mdb_cursor_get(cursor->get(), &key, &value, MDB_FIRST);
  while (rc == MDB_SUCCESS) {
    CAREID_RETURN_IF_ERROR(reindex_entry(state, txn, cursor->get(), key, value));
    ++count;
    rc = mdb_cursor_get(cursor->get(), &key, &value, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) {
    return lmdb_status(rc, "read entries", state.folder);
  }

  logger->info("rebuilt entry store indexes folder={} entries={}", state.folder.string(), count);
  return count;
}

}  // namespace careid::directory::storage::detail
