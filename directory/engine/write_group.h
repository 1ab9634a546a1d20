// WriteGroup: group commit for the Directory's write operations.
//
// Writes that arrive while another group commits wait in a queue. When that commit ends,
// the oldest waiting caller becomes the leader and takes up to max_operations queued
// operations, its own first. It runs each in its own nested transaction inside one LMDB
// write transaction and commits and syncs once. Only then does it wake the other callers
// with their results. An operation that fails discards only its own nested transaction. Each
// operation reads the changes of those before it in the group, so the results are those
// of running the operations one at a time in queue order.
//
// Threads. run() blocks and may be called from any number of threads. Each operation runs
// on the leader's thread, not the caller's, while the caller waits, so an operation may
// use the caller's stack but no thread-local state. An operation must not call
// EntryStore::begin_write or run(), because the leader already holds LMDB's only writer
// lock and would wait for itself forever. Writers that use EntryStore::begin_write
// directly (lockout, import, reindex) still work, because they wait for the group's commit.
//
// Each waiting caller blocks a thread, so in careidd a group never contains more
// operations than the LDAP worker pool has threads (ldap.worker_threads, 16 by default).
// TODO: a wait that does not block a worker would let groups grow with the connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// One write operation: it returns OK to keep its changes, an error to discard them.
using WriteOperation = std::function<Status(storage::WriteTransaction&)>;

// Figures for monitoring: operations committed or failed, and the write transactions
// they used. operations / groups is the mean group size.
struct WriteGroupStatistics {
  std::uint64_t operations = 0;
  std::uint64_t groups = 0;
};

class WriteGroup {
 public:
  // `max_operations` (at least 1) is the maximum number of operations in one write
  // transaction. With 1, each operation commits alone, without a nested transaction.
  WriteGroup(storage::EntryStore& store, std::size_t max_operations);
  WriteGroup(const WriteGroup&) = delete;
  WriteGroup& operator=(const WriteGroup&) = delete;
  // Rejects new operations and waits until every caller inside run() has returned.
  ~WriteGroup();

  // Runs `operation` in the next group and returns once the group is durable. When
  // `operation` fails, returns its status and discards its changes. Otherwise returns the
  // status of the commit, which is OK once the changes are on disk (or written without a
  // sync when the store has sync off). After close(), returns kUnavailable at once.
  Status run(const WriteOperation& operation);

  // Rejects later run() calls with kUnavailable. Operations already queued still run.
  void close();

  // Operations waiting or running now.
  std::size_t queued_operations() const;
  WriteGroupStatistics statistics() const;
  std::size_t max_operations() const { return max_operations_; }

 private:
  struct Pending;
  void commit_group(const std::vector<Pending*>& group);
  void lead(Pending& own, std::unique_lock<std::mutex>& lock);

  storage::EntryStore& store_;
  const std::size_t max_operations_;
  mutable std::mutex mutex_;
  std::condition_variable drained_;  // signalled when callers_ drops to 0
  std::deque<Pending*> queue_;       // front() leads the next group
  std::size_t callers_ = 0;          // threads inside run()
  WriteGroupStatistics statistics_;
  bool closed_ = false;
};

}  // namespace careid::directory::engine
