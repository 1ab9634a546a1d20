// PendingIndexRecords: the index records of a bulk load, held in memory until they are
// written sorted. Internal to directory/storage.
//
// Each index database gets one byte arena for its keys and a vector of 24-byte items: the
// key's first 8 bytes as a big-endian number, its place in the arena and the entry id.
// Adding a record therefore allocates nothing per record, and sorting moves no strings.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "directory/storage/entry_store.h"
#include "directory/storage/lmdb_handle.h"

namespace careid::directory::storage::detail {

struct StoreState;

class PendingIndexRecords {
 public:
  // Adds the records of `keys` (from StoreState::prepare_keys, so sorted, unique and of
  // indexed attributes only) for entry `id`. Ids must be added in ascending order.
  void add(const StoreState& state, const std::vector<IndexKey>& keys, EntryId id);

  // Drops every record of an id at or above `first_dropped`, e.g. those of an aborted batch.
  void drop_from(EntryId first_dropped);

  std::uint64_t size() const { return records_; }
  bool empty() const { return records_ == 0; }

  // Bytes held by the items and the key arenas.
  std::uint64_t memory_bytes() const;

  // Sorts each index's records by key and then id, and writes them with one cursor per
  // index database, emptying this buffer. From kParallelSortRecords records on, threads
  // (one per hardware thread) sort the indexes while this thread writes the sorted ones. `begin` opens the transaction to write into.
  // After every `records_per_commit` records, `commit` commits it and `begin` opens the
  // next one, so a transaction's dirty pages stay bounded. With records_per_commit 0
  // everything goes into one transaction, which the caller commits.
  // Keys above the database's last key are put with MDB_APPEND, which fills pages in order
  // instead of splitting them. Every id must be above all ids the index holds, because
  // each id goes last in its key's id list (MDB_APPENDDUP).
  using TransactionSource = std::function<Result<MDB_txn*>()>;
  Status write(const StoreState& state, const TransactionSource& begin,
               const std::function<Status()>& commit, std::uint64_t records_per_commit);

 private:
  struct Item {
    std::uint64_t prefix = 0;       // the key's first 8 bytes, big-endian, zero-padded
    std::uint64_t offset : 48 = 0;  // where the key starts in the arena
    std::uint64_t length : 16 = 0;  // at most 1 + kMaxIndexedValueBytes
    EntryId id = 0;
  };

  // The records of one index database, in the order they were added.
  struct IndexBuffer {
    std::vector<Item> items;
    std::string arena;
  };

  // One index database's write, with write()'s transaction callbacks.
  struct IndexWrite {
    const StoreState& state;
    MDB_dbi dbi;
    const TransactionSource& begin;
    const std::function<Status()>& commit;
    std::uint64_t records_per_commit;
  };

  // Sorts the buffers for write(): inline below kParallelSortRecords records, else on
  // threads that the destructor joins. A buffer is not touched again once it is sorted.
  class SortedBuffers {
   public:
    explicit SortedBuffers(PendingIndexRecords& records);
    ~SortedBuffers();
    // Blocks until buffer `position` is sorted.
    void wait_for(std::size_t position);

   private:
    void sort_next_buffers();

    PendingIndexRecords& records_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable buffer_sorted_;
    std::vector<char> sorted_;  // guarded by mutex_ while threads run
    std::atomic<std::size_t> next_ = 0;
    std::atomic<bool> stopping_ = false;
  };

  static constexpr std::uint64_t kParallelSortRecords = 100'000;

  static void sort_buffer(IndexBuffer& buffer);
  static Status write_sorted(const IndexBuffer& buffer, const IndexWrite& write,
                             std::uint64_t& in_transaction);
  static Result<CursorHandle> open_write_cursor(const IndexWrite& write);
  static bool item_before(const IndexBuffer& buffer, const Item& left, const Item& right);
  static std::string_view key_of(const IndexBuffer& buffer, const Item& item);

  void append(std::size_t position, char kind, std::string_view value, EntryId id);

  // Indexed by the attribute's position in StoreState::indexed_names.
  std::vector<IndexBuffer> buffers_;
  std::uint64_t records_ = 0;
};

}  // namespace careid::directory::storage::detail
