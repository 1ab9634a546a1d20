// PrepareWorkers: the threads that check and index entries for an Importer while the
// calling thread reads input and writes to the store. Internal to directory/engine.
//
// The caller submits batches of entries in input order and takes them back, prepared, in
// the same order, so entry ids and the first reported error stay those of a serial load.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "base/status.h"
#include "directory/engine/directory.h"
#include "directory/entry.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// An entry checked against the schema, with its operational attributes and index keys,
// ready for Importer::store. When `rejection` is set, only it is meaningful.
struct PreparedEntry {
  Status rejection;
  bool input_error = false;  // the rejection came from an EntrySource, not the schema
  std::string normalised_dn;
  bool suffix = false;
  bool group = false;
  Entry entry;
  std::vector<storage::IndexKey> index_keys;
};

namespace detail {

// Consecutive input entries, handed to one worker at a time.
struct ImportBatch {
  std::vector<std::variant<Entry, EntrySource>> input;
  std::vector<PreparedEntry> prepared;
  bool ready = false;  // guarded by PrepareWorkers::mutex_
};

class PrepareWorkers {
 public:
  // Must be thread-safe: workers call it at the same time on different entries.
  using PrepareFunction = std::function<PreparedEntry(Entry)>;

  // Starts `threads` workers (at least one).
  PrepareWorkers(unsigned threads, PrepareFunction prepare);

  // Stops the workers. A worker finishes the batch it holds, and batches still queued are
  // dropped unprepared.
  ~PrepareWorkers();

  PrepareWorkers(const PrepareWorkers&) = delete;
  PrepareWorkers& operator=(const PrepareWorkers&) = delete;

  // Queues `batch` behind every batch submitted before it. Does not block.
  void submit(std::unique_ptr<ImportBatch> batch);

  // Returns the oldest submitted batch once its entries are prepared, removing it. With
  // `wait` false, returns null when that batch is not ready yet. Returns null when no
  // batch is outstanding.
  std::unique_ptr<ImportBatch> take_oldest(bool wait);

  // Batches submitted and not yet taken back.
  std::size_t outstanding() const;

  // Hands a stored batch to the workers, which free its entries and keep it for
  // take_spare(), so that the calling thread spends no time on freeing and allocating.
  void release(std::unique_ptr<ImportBatch> batch);

  // Returns an empty batch whose vectors keep their capacity, or null when none is spare.
  std::unique_ptr<ImportBatch> take_spare();

 private:
  void run();
  PreparedEntry prepare_input(std::variant<Entry, EntrySource>& input);
  void keep_spare(std::vector<std::unique_ptr<ImportBatch>> batches);

  PrepareFunction prepare_;
  mutable std::mutex mutex_;
  std::condition_variable work_queued_;
  std::condition_variable batch_ready_;
  std::deque<std::unique_ptr<ImportBatch>> outstanding_;  // in input order
  std::deque<ImportBatch*> queued_;                       // not yet taken by a worker
  std::vector<std::unique_ptr<ImportBatch>> released_;    // to empty
  std::vector<std::unique_ptr<ImportBatch>> spare_;       // emptied
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace detail
}  // namespace careid::directory::engine
