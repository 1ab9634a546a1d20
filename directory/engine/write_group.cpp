#include "directory/engine/write_group.h"

#include <algorithm>
#include <exception>
#include <iterator>

#include "base/log.h"

namespace careid::directory::engine {

// One caller's operation, on the caller's stack until run() returns.
struct WriteGroup::Pending {
  const WriteOperation* operation = nullptr;
  Status result;
  bool done = false;
  std::condition_variable ready;
};

namespace {

// Runs `operation`, turning an exception (a bug) into kInternal, because the callers
// waiting on this group would otherwise never be woken.
Status call(const WriteOperation& operation, storage::WriteTransaction& txn) {
  try {
    return operation(txn);
  } catch (const std::exception& error) {
    log::get("directory")->error("write operation threw: {}", error.what());
    return Status::internal(std::string("write operation failed with an exception: ") + error.what());
  }
}

// Runs `operation` in a transaction nested in `txn` and merges its changes into `txn`
// when it succeeds. On failure the nested transaction is aborted, which leaves no trace.
Status run_nested(storage::WriteTransaction& txn, const WriteOperation& operation) {
  auto nested = txn.begin_nested();
  if (!nested.ok()) {
    return nested.status();
  }
  Status status = call(operation, *nested);
  if (!status.ok()) {
    return status;
  }
  return nested->commit();
}

}  // namespace

WriteGroup::WriteGroup(storage::EntryStore& store, std::size_t max_operations)
    : store_(store), max_operations_(std::max<std::size_t>(max_operations, 1)) {}

WriteGroup::~WriteGroup() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  drained_.wait(lock, [this] { return callers_ == 0; });
}

Status WriteGroup::run(const WriteOperation& operation) {
  Pending own;
  own.operation = &operation;
  std::unique_lock lock(mutex_);
  if (closed_) {
    return Status::unavailable("the directory is shutting down and accepts no more writes; retry after it restarts");
  }
  ++callers_;
  queue_.push_back(&own);
  own.ready.wait(lock, [&] { return own.done || queue_.front() == &own; });
  if (!own.done) {
    lead(own, lock);
  }

  --callers_;
  if (callers_ == 0) {
    drained_.notify_all();
  }
  return own.result;
}

// Runs the group that starts at `own` (the front of the queue) with the lock released,
// then hands out the results and wakes the next leader.
void WriteGroup::lead(Pending& own, std::unique_lock<std::mutex>& lock) {
  const auto size = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_operations_));
  const std::vector<Pending*> group(queue_.begin(), std::next(queue_.begin(), size));
  lock.unlock();
  commit_group(group);
  lock.lock();

  // Each follower is woken with the lock held, so it cannot return (and free its Pending)
  // before this loop is done with it.
  for (Pending* member : group) {
    queue_.pop_front();
    member->done = true;
    if (member != &own) {
      member->ready.notify_one();
    }
  }
  statistics_.operations += group.size();
  statistics_.groups += 1;
  if (!queue_.empty()) {
    queue_.front()->ready.notify_one();
  }
}

void WriteGroup::commit_group(const std::vector<Pending*>& group) {
  auto txn = store_.begin_write();
  if (!txn.ok()) {
    for (Pending* member : group) {
      member->result = txn.status();
    }
    return;
  }

  // A group of one needs no nested transaction: a failure aborts the whole transaction.
  if (group.size() == 1) {
    Status status = call(*group.front()->operation, *txn);
    group.front()->result = status.ok() ? txn->commit() : status;
    return;
  }

  for (Pending* member : group) {
    member->result = run_nested(*txn, *member->operation);
  }
  Status committed = txn->commit();
  if (committed.ok()) {
    return;
  }
  for (Pending* member : group) {
    if (member->result.ok()) {
      member->result = committed;
    }
  }
}

void WriteGroup::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::size_t WriteGroup::queued_operations() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

WriteGroupStatistics WriteGroup::statistics() const {
  std::lock_guard lock(mutex_);
  return statistics_;
}

}  // namespace careid::directory::engine
