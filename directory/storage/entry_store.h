// EntryStore: directory entries kept in LMDB, with a DN map, a parent-to-children map and
// presence, equality and substring indexes per attribute.
//
// The store is schema-agnostic. The caller (the operation engine) normalises DNs and
// attribute values with the schema's matching rules and passes the results in. This
// layer compares bytes only. It never parses a DN and never decides whether two values match.
//
// On disk (one LMDB environment in the store's folder, format version 1):
//   meta      "format_version" -> u64, "next_id" -> u64, "indexed_attributes" -> one line
//             per indexed attribute: the lower-case name alone for an equality and presence
//             index (the only kind older stores have), else "name:" and the index kinds
//             (index_kinds_text). Ids are never reused.
//   entries   id (8 bytes big-endian) -> the record described in entry_codec.h
//   dn2id     normalised DN -> id
//   children  parent id -> child ids (sorted duplicates). Suffix entries sit under id 0.
//   index/<attribute>  0x00 -> ids of entries with the attribute (presence),
//             0x01 + normalised value -> ids (equality, also scanned in order for ordering
//             filters), 0x02 + substring key -> ids (substring)
//
// Threads. The environment is opened with MDB_NOTLS, so a ReadTransaction may be created
// on one thread and used or destroyed on another, but one transaction must never be used
// by two threads at once. A WriteTransaction (and a BulkLoader) must be created, used,
// committed and destroyed on one thread, because LMDB's writer lock is a mutex owned by
// that thread. LMDB lets one writer in at a time, so a second begin_write blocks until the
// first writer ends. A thread that already has a WriteTransaction or an open BulkLoader
// batch must not call begin_write, because it would wait for itself forever. Every call
// blocks on disk I/O, so keep them off I/O threads.
//
// Lifetimes. Transactions and loaders hold a pointer to the store and must be destroyed
// before it. Every value a transaction returns (Entry, ids) is decoded and copied before
// the call returns, so no result refers to LMDB memory after the transaction ends.
//
// One process may open a given folder only once at a time (an LMDB rule), so a second
// open of the same folder returns kFailedPrecondition.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"

struct MDB_txn;

namespace careid::directory::storage {

using EntryId = std::uint64_t;

// Chooses attributes by their stored description, for partial reads of an entry.
using AttributeSelector = std::function<bool(std::string_view description)>;

// The parent of a suffix (root) entry. for_each_child(kNoParent, ...) lists the suffixes.
inline constexpr EntryId kNoParent = 0;

// The kind of one index record. The numbers are the first byte of its key on disk.
enum class IndexKeyKind : std::uint8_t { kPresence = 0, kEquality = 1, kSubstring = 2 };

// The index kinds configured for one attribute, as a bit set of these values. Ordering
// uses the equality records, so an ordering index also writes them.
inline constexpr unsigned kIndexPresence = 1;
inline constexpr unsigned kIndexEquality = 2;
inline constexpr unsigned kIndexSubstring = 4;
inline constexpr unsigned kIndexOrdering = 8;

// One attribute's index configuration: its name (compared ignoring ASCII case) and kinds.
struct AttributeIndex {
  std::string attribute;
  unsigned kinds = kIndexPresence | kIndexEquality;
};

// Returns the kinds as text, e.g. "eq,pres,sub,ord", in that fixed order.
std::string index_kinds_text(unsigned kinds);

// One index key computed by the caller: the attribute name (compared ignoring ASCII case),
// the kind, and the value: empty for presence, the value normalised by the attribute's
// equality matching rule for equality, and a caller-defined substring key for substring.
struct IndexKey {
  std::string attribute;
  std::string value;
  IndexKeyKind kind = IndexKeyKind::kEquality;

  friend auto operator<=>(const IndexKey&, const IndexKey&) = default;
};

namespace detail {
struct StoreState;
class PendingIndexRecords;
class IdleReadTransactions;
// Aborts a transaction, or resets a read transaction and hands it to `idle` for reuse.
struct TxnAborter {
  IdleReadTransactions* idle = nullptr;
  void operator()(MDB_txn* txn) const;
};
}  // namespace detail

// Limits: LMDB keys are at most 511 bytes (its default build). A normalised DN longer than
// kMaxNormalisedDnBytes is rejected with kInvalidArgument. An index value longer than
// kMaxIndexedValueBytes is indexed by its first kMaxIndexedValueBytes bytes, so
// ids_equal returns candidates that the caller must still compare with the full value.
inline constexpr std::size_t kMaxNormalisedDnBytes = 511;
inline constexpr std::size_t kMaxIndexedValueBytes = 510;
inline constexpr std::size_t kMaxIndexedAttributes = 200;

struct StoreOptions {
  // Maximum size of the store. The file grows with the data, and the map only reserves
  // address space. A write that needs more returns kResourceExhausted.
  std::uint64_t map_size_bytes = std::uint64_t{16} * 1024 * 1024 * 1024;
  // Maximum concurrent read transactions, across all processes using the folder.
  unsigned max_readers = 126;
  // Attributes with an equality and presence index. Together with `indexes` at most
  // kMaxIndexedAttributes names; a name in both lists gets the union of the kinds.
  std::vector<std::string> indexed_attributes;
  // Attributes with the index kinds listed for each. A zero kind set is kInvalidArgument.
  std::vector<AttributeIndex> indexes;
  // When false, commits do not wait for the disk (MDB_NOSYNC): a crash may lose the
  // last commits but never corrupts the store.
  bool sync = true;
  // Create the folder when it is missing. When false, a missing folder is kNotFound.
  bool create_folder = false;
  // Computes index keys for a stored entry. Open calls it only when the store was built
  // with a different index configuration, and then rebuilds every index in one write
  // transaction; rebuild_indexes calls it too. When it is empty, such an open returns
  // kFailedPrecondition naming both configurations.
  std::function<std::vector<IndexKey>(const Entry&)> rebuild_index_keys;
};

// The read operations shared by ReadTransaction and WriteTransaction. Not-found ids and
// DNs are kNotFound, and a record that does not decode is kCorruption. Other LMDB
// failures are translated by lmdb_status in lmdb_handle.h.
class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();

  // Returns the id stored for `normalised_dn`.
  Result<EntryId> find_id(std::string_view normalised_dn) const;

  // Returns a decoded copy of entry `id`. When `normalised_dn` is not null, it receives the
  // normalised DN stored with the entry (the dn2id key).
  Result<Entry> get(EntryId id, std::string* normalised_dn = nullptr) const;

  // Returns a copy of entry `id` with only the attributes that `selector` selects and an
  // empty DN, cheaper than get() when most attributes are left out. The record's index
  // keys are not checked, so only get() reports a record damaged there.
  Result<Entry> get_selected(EntryId id, const AttributeSelector& selector) const;

  // Reads entry `id` once and passes the attributes `selector` selects to `predicate`.
  // Returns the whole entry when `predicate` returns true, else std::nullopt. With the
  // entry, a non-null `normalised_dn` receives its stored normalised DN, as get() does.
  Result<std::optional<Entry>> get_if(EntryId id, const AttributeSelector& selector,
                                      const std::function<bool(const Entry&)>& predicate,
                                      std::string* normalised_dn = nullptr) const;

  // Returns the parent of `id`, kNoParent for a suffix entry.
  Result<EntryId> parent_id(EntryId id) const;

  // Calls `visit` for each child of `id` in id order until it returns false. `id` may be
  // kNoParent to list the suffix entries.
  Status for_each_child(EntryId id, const std::function<bool(EntryId)>& visit) const;

  // Calls `visit` for `id` and then every entry below it, depth first, parents before
  // children, until it returns false. Iterative: memory grows with the depth of the
  // tree, not its size. With kNoParent, visits every entry but not kNoParent itself.
  Status for_each_in_subtree(EntryId id, const std::function<bool(EntryId)>& visit) const;

  // Calls `visit` for every entry in id order, with the entry as get_selected(id, selector)
  // returns it, until `visit` returns false. One pass over the entries database costs less
  // than for_each_in_subtree(kNoParent) with a get per id. Parents need not come before
  // their children, because a moved subtree may sit below a newer parent.
  Status for_each_entry(const AttributeSelector& selector,
                        const std::function<bool(EntryId, const Result<Entry>&)>& visit) const;

  Result<bool> has_children(EntryId id) const;

  // Returns how many children `id` has, read from LMDB's duplicate count without walking
  // the list.
  Result<std::uint64_t> child_count(EntryId id) const;

  // Returns the ids, sorted, of entries with index key (attribute, normalised_value).
  // kFailedPrecondition when the attribute is not indexed. See kMaxIndexedValueBytes.
  Result<std::vector<EntryId>> ids_equal(std::string_view attribute,
                                         std::string_view normalised_value) const;

  // Returns the ids, sorted, of entries with a presence key for `attribute`.
  Result<std::vector<EntryId>> ids_present(std::string_view attribute) const;

  // Returns the ids, sorted, of entries with the substring key (attribute, key).
  // kFailedPrecondition when the attribute is not indexed.
  Result<std::vector<EntryId>> ids_substring(std::string_view attribute, std::string_view key) const;

  // The same three lists by kind: `key` is the normalised value for kEquality, the
  // substring key for kSubstring, and ignored for kPresence.
  Result<std::vector<EntryId>> ids_with_key(std::string_view attribute, IndexKeyKind kind,
                                            std::string_view key) const;

  // Returns the number of ids in the list of (attribute, kind, key), from LMDB's duplicate
  // count, so one lookup however long the list.
  Result<std::uint64_t> id_count(std::string_view attribute, IndexKeyKind kind, std::string_view key) const;

  // Returns the ids of `candidates` (sorted) that the list of (attribute, kind, key)
  // contains, with one lookup per candidate. Cheaper than reading a much longer list.
  Result<std::vector<EntryId>> ids_among(std::string_view attribute, IndexKeyKind kind, std::string_view key,
                                         const std::vector<EntryId>& candidates) const;

  // The same result from one pass over the list's pages, which LMDB hands out whole. A
  // galloping search finds each candidate in its page, so a page costs a few compares per
  // candidate rather than one decode per id. The pass stops after the last candidate. It
  // is cheaper than ids_among unless the list is much longer than `candidates`.
  Result<std::vector<EntryId>> ids_in_list(std::string_view attribute, IndexKeyKind kind, std::string_view key,
                                           const std::vector<EntryId>& candidates) const;

  // Returns the ids, sorted and without duplicates, of entries with an equality key for
  // `attribute` from `lower` to `upper` inclusive in byte order. A missing bound is open.
  // Bounds are cut to kMaxIndexedValueBytes like the stored keys. Cutting keeps byte
  // order, so the result is a superset that the caller must still check. Memory and time
  // grow with the number of keys in the range.
  Result<std::vector<EntryId>> ids_in_range(std::string_view attribute,
                                            std::optional<std::string_view> lower,
                                            std::optional<std::string_view> upper) const;

  Result<std::uint64_t> entry_count() const;

  // Returns the number of (key, id) records in the index of `attribute`.
  // kFailedPrecondition when the attribute is not indexed.
  Result<std::uint64_t> index_record_count(std::string_view attribute) const;

 protected:
  // `idle`, for a read transaction, receives it after a reset when this ends.
  Transaction(const detail::StoreState* state, MDB_txn* txn, detail::IdleReadTransactions* idle = nullptr);
  MDB_txn* txn() const { return txn_.get(); }
  const detail::StoreState& state() const { return *state_; }
  void release_txn() { static_cast<void>(txn_.release()); }

 private:
  const detail::StoreState* state_ = nullptr;
  std::unique_ptr<MDB_txn, detail::TxnAborter> txn_;
};

// A consistent snapshot of the store, aborted on destruction (which only releases the
// snapshot). Holding one for long keeps old pages from being reused, so the file grows.
class ReadTransaction : public Transaction {
 private:
  friend class EntryStore;
  ReadTransaction(const detail::StoreState* state, MDB_txn* txn);
  static Result<ReadTransaction> begin(const detail::StoreState* state);
};

// The single writer. Nothing is visible to readers before commit(), and destruction
// without commit() aborts. After any LMDB failure (for example map full) the transaction
// accepts no more writes and commit() returns that first failure. Failures found before
// writing (kAlreadyExists, kNotFound, kInvalidArgument, kFailedPrecondition) leave the
// transaction usable.
class WriteTransaction : public Transaction {
 public:
  // Stores `entry` under a new id. `parent` must exist (kNotFound otherwise) or be
  // kNoParent for a suffix entry. kAlreadyExists when `normalised_dn` is taken. Index
  // keys for attributes that are not indexed, or of a kind their index lacks, are
  // ignored, and duplicates are stored once. Any key of an attribute with a presence
  // index also records its presence.
  Result<EntryId> add(std::string_view normalised_dn, EntryId parent, const Entry& entry,
                      std::vector<IndexKey> index_keys);

  // Replaces the attributes and DN text of `id` (its normalised DN and parent stay) and
  // swaps its old index keys for `index_keys`.
  Status replace(EntryId id, const Entry& entry, std::vector<IndexKey> index_keys);

  // Deletes `id` and its index records. kFailedPrecondition when it has children.
  Status remove(EntryId id);

  // Renames entry `id` to `new_normalised_dn` under `new_parent` (kNoParent for a suffix
  // entry) for modify DN (RFC 4511 4.9), keeping every id. Stores `entry` (which carries the
  // new DN text) and `index_keys` for `id`, then gives every entry below it the new DN
  // suffix: a descendant keeps its own leading RDNs in its normalised DN, and its DN text
  // becomes `descendant_dn(old DN text)`. Descendants keep their attributes and index keys.
  // Everything is checked before the first write, so these failures leave the transaction
  // usable:
  //   kNotFound         `id` or `new_parent` is missing
  //   kAlreadyExists    another entry has the new DN
  //   kInvalidArgument  `new_parent` is `id` or below it, or a new normalised DN is empty
  //                     or longer than kMaxNormalisedDnBytes
  //   kCorruption       a descendant's stored DN does not end with the old DN
  // Memory grows with the subtree, which is read whole before the first write.
  Status move(EntryId id, EntryId new_parent, std::string_view new_normalised_dn,
              const Entry& entry, std::vector<IndexKey> index_keys,
              const std::function<std::string(std::string_view old_dn_text)>& descendant_dn);

  // Starts a transaction nested in this one (mdb_txn_begin with this one as the parent),
  // so that group commit can discard one operation's changes alone. Reads in the nested
  // transaction return this one's changes too. Its commit() merges its changes into this
  // transaction and writes nothing to disk, and destroying it without commit() discards
  // them and leaves this transaction usable. Until the nested transaction is committed or
  // destroyed, this one must not be used, moved or destroyed, and a second begin_nested
  // fails. When merging fails, this transaction fails too and its commit() returns that
  // failure. LMDB rejects nested transactions when the environment has MDB_WRITEMAP,
  // which EntryStore never sets.
  Result<WriteTransaction> begin_nested();

  // Makes every change durable and visible, or for a nested transaction merges it into
  // its parent. The transaction is finished afterwards, whatever the result.
  Status commit();

 private:
  friend class EntryStore;
  friend class BulkLoader;
  WriteTransaction(const detail::StoreState* state, MDB_txn* txn, EntryId next_id);

  static Result<WriteTransaction> begin(const detail::StoreState* state);
  Status check_writable() const;
  Status fail(Status status);

  EntryId next_id_ = 1;
  // The transaction that begin_nested was called on, or null for a top-level one.
  WriteTransaction* parent_ = nullptr;
  // Set by BulkLoader, so that add() queues index records here instead of writing them.
  // The loader writes them sorted before it commits.
  detail::PendingIndexRecords* pending_index_ = nullptr;
  bool next_id_changed_ = false;
  bool finished_ = false;
  Status failure_;
};

struct BulkLoadOptions {
  // Entries per transaction: larger batches load faster and use more dirty memory.
  std::size_t commit_every = 50000;
  // Memory for index records held back by a load into an empty store (about 24 bytes plus
  // the key per record). When they take more, they are written before the load goes on,
  // which is slower than writing them all at the end but still correct.
  std::uint64_t max_index_memory_bytes = std::uint64_t{2} * 1024 * 1024 * 1024;
};

// Loads many entries quickly. It commits every commit_every entries without waiting for
// the disk, and finish() commits the rest and syncs once. Index records are held in memory
// and written sorted by key, never one entry at a time:
//   - Into a store without entries, they are held until finish() (or until they take
//     max_index_memory_bytes), so that each index is written once, in key order, with
//     MDB_APPEND: its pages are filled in sequence instead of split at random. Until then
//     the entries have no index records, and the meta record "bulk_load_incomplete"
//     makes EntryStore::open reject the store. Stop careidd during such a load, because
//     a server that already has the store open would miss the held-back records.
//   - Into a store with entries, each batch's records are written just before its commit.
// If the loader is destroyed without finish(), it writes the records of the committed
// batches and clears the marker, so the committed entries stay a consistent store (a
// second load of the same input skips them). A crash or a failed write leaves the marker,
// and the store must then be deleted and loaded again.
// The threading rules of WriteTransaction apply, and other writers wait while a batch is
// open.
class BulkLoader {
 public:
  BulkLoader(BulkLoader&&) noexcept;
  BulkLoader& operator=(BulkLoader&&) = delete;
  // Aborts the open batch (entries added since the last commit are lost), writes the
  // held-back index records of the committed ones (see above) and restores the store's
  // sync setting.
  ~BulkLoader();

  // Adds like WriteTransaction::add. kAlreadyExists, kNotFound and kInvalidArgument skip
  // the entry and leave the loader usable. Any other failure aborts the open batch and
  // ends the load, and its message states how many entries were committed before it.
  Result<EntryId> add(std::string_view normalised_dn, EntryId parent, const Entry& entry,
                      std::vector<IndexKey> index_keys);

  // Looks up a DN inside the open batch, so that parents added earlier are found.
  Result<EntryId> find_id(std::string_view normalised_dn);

  // Commits the open batch, writes the held-back index records and syncs the store to disk.
  Status finish();

  // Entries committed so far.
  std::uint64_t committed() const { return committed_; }

 private:
  friend class EntryStore;
  BulkLoader(const detail::StoreState* state, BulkLoadOptions options);
  Status ensure_batch();
  Status start_first_batch();
  Status commit_batch();
  Status write_held_index_records(bool clear_mark);
  Status stop(Status status);
  void restore_sync();

  const detail::StoreState* state_;  // null once moved from
  BulkLoadOptions options_;
  std::optional<WriteTransaction> batch_;
  // Index records not yet written. Behind a pointer because PendingIndexRecords is
  // internal to the storage layer.
  std::unique_ptr<detail::PendingIndexRecords> pending_index_;
  std::size_t in_batch_ = 0;
  std::uint64_t committed_ = 0;
  // The first id of the open batch, so that its index records can be dropped on abort.
  EntryId batch_first_id_ = 0;
  bool started_ = false;
  // True for a load into a store without entries: index records wait for finish().
  bool hold_index_records_ = false;
  bool finished_ = false;
  bool sync_restored_ = false;
};

// The outcome of EntryStore::check.
struct StoreCheckReport {
  std::uint64_t entries = 0;        // entry records read
  std::uint64_t index_records = 0;  // index records that the entries' stored keys imply
  // Descriptions of the problems found, at most StoreCheckOptions::max_problems, each
  // naming the entry id or database. Empty when the store is consistent.
  std::vector<std::string> problems;
  // Problems found beyond max_problems, counted but not described.
  std::uint64_t unlisted_problems = 0;

  bool consistent() const { return problems.empty() && unlisted_problems == 0; }
};

struct StoreCheckOptions {
  std::size_t max_problems = 100;
};

// Size and reader figures of the LMDB environment, for monitoring.
struct StoreStatistics {
  std::uint64_t map_size_bytes = 0;  // the map size: the most the store can grow to
  std::uint64_t page_size = 0;       // bytes per page
  std::uint64_t used_pages = 0;      // pages in use, up to the last page written
  std::uint32_t readers = 0;         // reader table slots in use, stale ones included
  std::uint32_t max_readers = 0;
};

class EntryStore {
 public:
  // Opens or creates the store in `folder`. Fails with kNotFound (missing folder),
  // kPermissionDenied (unreadable or read-only folder), kInvalidArgument (bad options),
  // kFailedPrecondition (already open in this process, another format version, or a
  // changed index list without rebuild_index_keys) or kCorruption.
  static Result<std::unique_ptr<EntryStore>> open(const std::filesystem::path& folder,
                                                  StoreOptions options);

  EntryStore(const EntryStore&) = delete;
  EntryStore& operator=(const EntryStore&) = delete;
  ~EntryStore();

  Result<ReadTransaction> begin_read() const;
  // Blocks while another writer is active.
  Result<WriteTransaction> begin_write();
  // Starts a bulk load, described at BulkLoader.
  Result<BulkLoader> start_bulk_load(BulkLoadOptions options = {});

  // Empties every index and refills it from StoreOptions::rebuild_index_keys for every
  // stored entry, in one write transaction. Returns the number of entries indexed.
  // kFailedPrecondition when the store was opened without rebuild_index_keys.
  Result<std::uint64_t> rebuild_indexes();

  // Checks the store's consistency in one read transaction, so writers may keep working:
  //   - every entry record decodes and its id is below the meta record next_id,
  //   - dn2id maps the entry's normalised DN to its id,
  //   - its parent exists (or is kNoParent) and the children database lists it there,
  //   - every index record its stored index keys imply exists,
  //   - dn2id, children and each index hold exactly as many records as the entries
  //     imply, so no record names a missing entry or a key the entry lacks,
  //   - with StoreOptions::rebuild_index_keys set, the stored keys equal the keys computed
  //     from the entry now (a difference means the indexes need a rebuild).
  // Problems go into the report. A non-OK Result means the check could not run (LMDB
  // failed). Memory does not grow with the store size, and time is O(n log n) in records.
  Result<StoreCheckReport> check(const StoreCheckOptions& options = {}) const;

  // Indexed attribute names, lower case and sorted.
  const std::vector<std::string>& indexed_attributes() const;
  // The same attributes with their index kinds, in the same order.
  const std::vector<AttributeIndex>& indexes() const;
  bool is_indexed(std::string_view attribute) const;
  // The index kinds of `attribute` (kIndexPresence and so on), 0 when it is not indexed.
  unsigned index_kinds(std::string_view attribute) const;
  const std::filesystem::path& folder() const;

  // Reads the environment's figures without a transaction. Thread-safe.
  Result<StoreStatistics> statistics() const;

 private:
  explicit EntryStore(std::unique_ptr<detail::StoreState> state);
  std::unique_ptr<detail::StoreState> state_;
};

}  // namespace careid::directory::storage
