#include "directory/engine/import_pipeline.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace careid::directory::engine::detail {

PrepareWorkers::PrepareWorkers(unsigned threads, PrepareFunction prepare) : prepare_(std::move(prepare)) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

PrepareWorkers::~PrepareWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_queued_.notify_all();
  for (std::thread& thread : threads_) {
    thread.join();
  }
}

void PrepareWorkers::submit(std::unique_ptr<ImportBatch> batch) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(batch.get());
    outstanding_.push_back(std::move(batch));
  }
  work_queued_.notify_one();
}

std::unique_ptr<ImportBatch> PrepareWorkers::take_oldest(bool wait) {
  std::unique_lock lock(mutex_);
  if (outstanding_.empty()) {
    return nullptr;
  }
  if (wait) {
    batch_ready_.wait(lock, [this] { return outstanding_.front()->ready; });
  } else if (!outstanding_.front()->ready) {
    return nullptr;
  }
  std::unique_ptr<ImportBatch> oldest = std::move(outstanding_.front());
  outstanding_.pop_front();
  return oldest;
}

std::size_t PrepareWorkers::outstanding() const {
  std::lock_guard lock(mutex_);
  return outstanding_.size();
}

PreparedEntry PrepareWorkers::prepare_input(std::variant<Entry, EntrySource>& input) {
  if (Entry* given = std::get_if<Entry>(&input)) {
    return prepare_(std::move(*given));
  }
  Result<Entry> entry = std::get<EntrySource>(input)();
  if (!entry.ok()) {
    PreparedEntry failed;
    failed.rejection = entry.status();
    failed.input_error = true;
    return failed;
  }
  return prepare_(std::move(*entry));
}

void PrepareWorkers::release(std::unique_ptr<ImportBatch> batch) {
  {
    std::lock_guard lock(mutex_);
    released_.push_back(std::move(batch));
  }
  work_queued_.notify_one();
}

std::unique_ptr<ImportBatch> PrepareWorkers::take_spare() {
  std::lock_guard lock(mutex_);
  if (spare_.empty()) {
    return nullptr;
  }
  std::unique_ptr<ImportBatch> spare = std::move(spare_.back());
  spare_.pop_back();
  return spare;
}

void PrepareWorkers::keep_spare(std::vector<std::unique_ptr<ImportBatch>> batches) {
  for (auto& batch : batches) {
    batch->input.clear();
    batch->prepared.clear();
    batch->ready = false;
  }
  std::lock_guard lock(mutex_);
  for (auto& batch : batches) {
    spare_.push_back(std::move(batch));
  }
}

void PrepareWorkers::run() {
  while (true) {
    ImportBatch* batch = nullptr;
    std::vector<std::unique_ptr<ImportBatch>> released;
    {
      std::unique_lock lock(mutex_);
      work_queued_.wait(lock, [this] { return stopping_ || !queued_.empty() || !released_.empty(); });
      if (stopping_) {
        return;
      }
      released.swap(released_);
      if (!queued_.empty()) {
        batch = queued_.front();
        queued_.pop_front();
      }
    }
    if (!released.empty()) {
      keep_spare(std::move(released));
    }
    if (batch == nullptr) {
      continue;
    }

    // Only this thread touches the batch until `ready` is set under the lock.
    batch->prepared.reserve(batch->input.size());
    for (auto& input : batch->input) {
      try {
        batch->prepared.push_back(prepare_input(input));
      } catch (const std::exception& error) {
        PreparedEntry failed;
        failed.rejection = Status::internal(std::string("preparing an entry for import failed: ") + error.what());
        batch->prepared.push_back(std::move(failed));
      }
    }
    batch->input.clear();

    {
      std::lock_guard lock(mutex_);
      batch->ready = true;
    }
    batch_ready_.notify_all();
  }
}

}  // namespace careid::directory::engine::detail
