// The state an open EntryStore shares with its transactions. Internal to directory/storage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/storage/entry_store.h"
#include "directory/storage/lmdb_handle.h"

namespace careid::directory::storage::detail {

// Keys in the index databases: the single byte kIndexPresenceKey for presence,
// kIndexValuePrefix + normalised value for equality, and kIndexSubstringPrefix + substring
// key for substring (the IndexKeyKind values). The prefixes keep the kinds apart even for
// an empty value.
inline constexpr char kIndexPresenceKey = '\x00';
inline constexpr char kIndexValuePrefix = '\x01';
inline constexpr char kIndexSubstringPrefix = '\x02';

inline constexpr std::uint32_t kStoreFormatVersion = 1;

// Flags of the databases that map a key to a sorted list of 8-byte ids.
inline constexpr unsigned kIdListFlags = MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED;

inline std::string index_database_name(std::string_view attribute) {
  return "index/" + std::string(attribute);
}

// Read transactions that ended with mdb_txn_reset, for ReadTransaction::begin to renew. A
// new read transaction allocates and zeroes a slot for each of the environment's maxdbs
// databases (404 here, about 20 KiB), and a renewed one reuses that memory. Under MDB_NOTLS
// an idle handle keeps its reader slot, so at most kMaxIdle are kept. Safe to share
// between threads.
class IdleReadTransactions {
 public:
  // Returns a reset transaction, or null when none is kept.
  MDB_txn* take();
  // Keeps `txn`, which must be reset, or aborts it when kMaxIdle are kept already.
  void keep(MDB_txn* txn);
  // Aborts every kept transaction. Must run before the environment closes.
  void clear();

 private:
  static constexpr std::size_t kMaxIdle = 16;
  std::mutex mutex_;
  std::vector<MDB_txn*> idle_;
};

struct StoreState {
  // Closes the environment, then lets this process open the folder again.
  ~StoreState();

  std::filesystem::path folder;
  std::string registry_key;  // canonical folder path, claimed in a process-wide set
  EnvHandle env;
  mutable IdleReadTransactions idle_reads;
  StoreOptions options;
  MDB_dbi meta = 0;
  MDB_dbi entries = 0;
  MDB_dbi dn2id = 0;
  MDB_dbi children = 0;
  // Lower-case sorted names and, at the same position, their index kinds and databases.
  std::vector<std::string> indexed_names;
  std::vector<unsigned> index_kinds;
  std::vector<MDB_dbi> index_dbis;
  // The same names and kinds as AttributeIndex values, for EntryStore::indexes.
  std::vector<AttributeIndex> indexes;

  // Returns the position of `attribute` (compared ignoring ASCII case) in indexed_names.
  std::optional<std::size_t> index_position(std::string_view attribute) const;
  std::optional<MDB_dbi> find_index(std::string_view attribute) const;
  unsigned kinds_of(std::string_view attribute) const;

  // Lower-cases attributes, truncates values to kMaxIndexedValueBytes, drops keys of
  // attributes that are not indexed and keys of a kind the attribute's index lacks, adds
  // a presence key for an attribute with a presence index and any other key, sorts and
  // removes duplicates.
  std::vector<IndexKey> prepare_keys(std::vector<IndexKey> keys) const;
};

std::string lower_ascii(std::string_view text);

// Returns whether an EntryStore of this process has `folder` open.
bool folder_open_in_process(const std::filesystem::path& folder);

// One record in an index database: the database and the key. Its data is the entry id.
struct IndexRecord {
  MDB_dbi dbi;
  std::string key;

  friend auto operator<=>(const IndexRecord&, const IndexRecord&) = default;
};

// Turns keys from prepare_keys into index records (the kind's prefix byte, then the
// value), sorted and without duplicates.
std::vector<IndexRecord> index_records(const StoreState& state, const std::vector<IndexKey>& keys);

// Deletes the index records of `old_keys` that `new_keys` lacks and inserts those of
// `new_keys` that `old_keys` lacks. Both lists must come from prepare_keys.
Status update_index_records(const StoreState& state, MDB_txn* txn, EntryId id,
                            const std::vector<IndexKey>& old_keys,
                            const std::vector<IndexKey>& new_keys);

// Inserts the index records of `keys` (from prepare_keys) for `id` with mdb_put flags
// `put_flags`. MDB_APPENDDUP is right only for a new id, which sorts after every stored id.
Status insert_index_records(const StoreState& state, MDB_txn* txn, EntryId id,
                            const std::vector<IndexKey>& keys, unsigned put_flags);

// Empties every index, drops those of `old_names` no longer listed, opens the current ones
// into `state`, and refills them from options.rebuild_index_keys for every stored entry.
// Returns the number of entries.
Result<std::uint64_t> rebuild_indexes(StoreState& state, MDB_txn* txn,
                                      const std::vector<std::string>& old_names);

// Returns the stored record of entry `id`, valid until `txn` ends or writes; NotFound names
// the id.
Result<std::string_view> read_record_bytes(const StoreState& state, MDB_txn* txn, EntryId id);

// Reads the u64 "next_id" from the meta database, or returns 1 when it is absent.
Result<std::uint64_t> read_next_id(const StoreState& state, MDB_txn* txn);

}  // namespace careid::directory::storage::detail
