// EntryStore::check: the consistency check behind `careidctl directory check`.
#include <map>
#include <utility>

#include "directory/storage/entry_codec.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

namespace {

using detail::as_val;
using detail::as_view;
using detail::StoreState;

std::string id_text(EntryId id) { return "entry id " + std::to_string(id); }

// Returns an index record key as "presence", "equality 'value'" or "substring 'key'".
std::string describe_key(std::string_view key) {
  if (key.empty() || key.front() == detail::kIndexPresenceKey) {
    return "presence";
  }
  const char* kind = key.front() == detail::kIndexValuePrefix ? "equality" : "substring";
  return std::string(kind) + " '" + std::string(key.substr(1)) + "'";
}

// Walks every entry record once and checks it against dn2id, children and the indexes.
// LMDB failures stop the walk and are returned; inconsistencies go into the report.
class Checker {
 public:
  Checker(const StoreState& state, MDB_txn* txn, StoreCheckReport& report,
          const StoreCheckOptions& options)
      : state_(state), txn_(txn), report_(report), options_(options) {}

  Status run();

 private:
  void problem(std::string text);
  Status check_entry(const MDB_val& key, const MDB_val& value);
  Status check_names(EntryId id, const detail::StoredRecord& record);
  Status check_index_keys(EntryId id, const detail::StoredRecord& record);
  std::string index_database(MDB_dbi dbi) const;
  Result<bool> has_pair(MDB_dbi dbi, std::string_view key, EntryId id);
  Status check_count(MDB_dbi dbi, std::string_view database, std::uint64_t expected);

  const StoreState& state_;
  MDB_txn* txn_;
  StoreCheckReport& report_;
  const StoreCheckOptions& options_;
  EntryId next_id_ = 1;
  // Index records that the stored keys imply, per index database.
  std::map<MDB_dbi, std::uint64_t> expected_index_records_;
};

void Checker::problem(std::string text) {
  if (report_.problems.size() < options_.max_problems) {
    report_.problems.push_back(std::move(text));
  } else {
    ++report_.unlisted_problems;
  }
}

Status Checker::run() {
  auto next_id = detail::read_next_id(state_, txn_);
  if (!next_id.ok()) {
    return next_id.status();
  }
  next_id_ = *next_id;
  for (MDB_dbi dbi : state_.index_dbis) {
    expected_index_records_[dbi] = 0;
  }

  auto cursor = detail::open_cursor(txn_, state_.entries, state_.folder);
  if (!cursor.ok()) {
    return cursor.status();
  }
  MDB_val key{};
  MDB_val value{};
  int rc = mdb_cursor_get(cursor->get(), &key, &value, MDB_FIRST);
  while (rc == MDB_SUCCESS) {
    CAREID_RETURN_IF_ERROR(check_entry(key, value));
    rc = mdb_cursor_get(cursor->get(), &key, &value, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) {
    return detail::lmdb_status(rc, "read entries", state_.folder);
  }

  // Each entry has one dn2id record and one children record, so equal counts mean that
  // no record is left over from an entry that is gone.
  CAREID_RETURN_IF_ERROR(check_count(state_.dn2id, "dn2id", report_.entries));
  CAREID_RETURN_IF_ERROR(check_count(state_.children, "children", report_.entries));
  for (std::size_t i = 0; i < state_.index_dbis.size(); ++i) {
    const std::uint64_t expected = expected_index_records_[state_.index_dbis[i]];
    report_.index_records += expected;
    CAREID_RETURN_IF_ERROR(check_count(state_.index_dbis[i],
                                       detail::index_database_name(state_.indexed_names[i]),
                                       expected));
  }
  return Status::ok_status();
}

Status Checker::check_entry(const MDB_val& key, const MDB_val& value) {
  ++report_.entries;
  EntryId id = 0;
  if (!detail::decode_id(as_view(key), id)) {
    problem("entries database holds a key of " + std::to_string(key.mv_size) +
            " bytes, not an 8-byte id");
    return Status::ok_status();
  }
  if (id == kNoParent || id >= next_id_) {
    problem(id_text(id) + " is outside the ids handed out so far (1 to " +
            std::to_string(next_id_ - 1) + ")");
  }

  auto record = detail::decode_record(as_view(value), id);
  if (!record.ok()) {
    problem(record.status().message());
    return Status::ok_status();
  }
  CAREID_RETURN_IF_ERROR(check_names(id, *record));
  return check_index_keys(id, *record);
}

// dn2id must map the entry's normalised DN to it, and its parent must list it.
Status Checker::check_names(EntryId id, const detail::StoredRecord& record) {
  MDB_val dn_key = as_val(record.normalised_dn);
  MDB_val dn_value{};
  int rc = record.normalised_dn.empty() || record.normalised_dn.size() > kMaxNormalisedDnBytes
               ? MDB_NOTFOUND
               : mdb_get(txn_, state_.dn2id, &dn_key, &dn_value);
  EntryId mapped = kNoParent;
  if (rc == MDB_NOTFOUND) {
    problem(id_text(id) + " (" + record.normalised_dn + ") has no dn2id record");
  } else if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "look up the DN of " + id_text(id), state_.folder);
  } else if (!detail::decode_id(as_view(dn_value), mapped) || mapped != id) {
    problem("dn2id maps " + record.normalised_dn + " of " + id_text(id) + " to another id (" +
            std::to_string(mapped) + ")");
  }

  if (record.parent != kNoParent) {
    auto parent_key = detail::encode_id(record.parent);
    MDB_val key{parent_key.size(), parent_key.data()};
    MDB_val value{};
    rc = mdb_get(txn_, state_.entries, &key, &value);
    if (rc == MDB_NOTFOUND) {
      problem(id_text(id) + " names parent " + id_text(record.parent) + ", which does not exist");
    } else if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "read the parent of " + id_text(id), state_.folder);
    }
  }
  auto parent_key = detail::encode_id(record.parent);
  auto listed = has_pair(state_.children, std::string_view(parent_key.data(), parent_key.size()), id);
  if (!listed.ok()) {
    return listed.status();
  }
  if (!*listed) {
    problem(id_text(id) + " is missing from the child list of its parent " +
            (record.parent == kNoParent ? std::string("(suffixes)") : id_text(record.parent)));
  }
  return Status::ok_status();
}

// Every stored key must have its index record; with a key function, the stored keys must
// also equal the keys the entry has now.
Status Checker::check_index_keys(EntryId id, const detail::StoredRecord& record) {
  std::vector<IndexKey> indexed_keys;
  for (const IndexKey& key : record.index_keys) {
    if (state_.find_index(key.attribute)) {
      indexed_keys.push_back(key);
    } else {
      problem(id_text(id) + " stores a key for " + key.attribute + ", which is not indexed");
    }
  }

  for (const detail::IndexRecord& index_record : detail::index_records(state_, indexed_keys)) {
    ++expected_index_records_[index_record.dbi];
    auto present = has_pair(index_record.dbi, index_record.key, id);
    if (!present.ok()) {
      return present.status();
    }
    if (!*present) {
      problem(id_text(id) + " lacks the record " + describe_key(index_record.key) + " in " +
              index_database(index_record.dbi));
    }
  }

  if (state_.options.rebuild_index_keys &&
      state_.prepare_keys(state_.options.rebuild_index_keys(record.entry)) != record.index_keys) {
    problem(id_text(id) + " (" + record.normalised_dn +
            ") has index keys that differ from those its values give now; rebuild the indexes");
  }
  return Status::ok_status();
}

std::string Checker::index_database(MDB_dbi dbi) const {
  for (std::size_t i = 0; i < state_.index_dbis.size(); ++i) {
    if (state_.index_dbis[i] == dbi) {
      return detail::index_database_name(state_.indexed_names[i]);
    }
  }
  return "index database " + std::to_string(dbi);
}

Result<bool> Checker::has_pair(MDB_dbi dbi, std::string_view key, EntryId id) {
  auto cursor = detail::open_cursor(txn_, dbi, state_.folder);
  if (!cursor.ok()) {
    return cursor.status();
  }
  auto id_bytes = detail::encode_id(id);
  MDB_val k = as_val(key);
  MDB_val data{id_bytes.size(), id_bytes.data()};
  int rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_GET_BOTH);
  if (rc == MDB_NOTFOUND) {
    return false;
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "look up a record of " + id_text(id), state_.folder);
  }
  return true;
}

Status Checker::check_count(MDB_dbi dbi, std::string_view database, std::uint64_t expected) {
  MDB_stat stat{};
  int rc = mdb_stat(txn_, dbi, &stat);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "count the records of " + std::string(database), state_.folder);
  }
  if (stat.ms_entries != expected) {
    problem(std::string(database) + " holds " + std::to_string(stat.ms_entries) +
            " records, but the entries imply " + std::to_string(expected));
  }
  return Status::ok_status();
}

}  // namespace

Result<StoreCheckReport> EntryStore::check(const StoreCheckOptions& options) const {
  auto txn = begin_read();
  if (!txn.ok()) {
    return txn.status();
  }
  StoreCheckReport report;
  Checker checker(*state_, txn->txn(), report, options);
  CAREID_RETURN_IF_ERROR(checker.run());
  return report;
}

}  // namespace careid::directory::storage
