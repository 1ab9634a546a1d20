// Reloadable<T>: a value that a reload (SIGHUP) replaces while other threads read it
// without a lock.
//
// get() returns a reference that stays valid until the Reloadable is destroyed, so a
// request that started before a replace() keeps using the value it read. For that reason
// every replaced value stays allocated: memory grows by one T per replace(), which suits
// values that are replaced only on an operator's request.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace careid {

template <class T>
class Reloadable {
 public:
  explicit Reloadable(T initial) { replace(std::move(initial)); }
  Reloadable(const Reloadable&) = delete;
  Reloadable& operator=(const Reloadable&) = delete;

  // Returns the current value. Lock-free.
  const T& get() const { return *current_.load(std::memory_order_acquire); }

  // Makes `next` the value that later get() calls return. Thread-safe.
  void replace(T next) {
    std::lock_guard lock(mutex_);
    values_.push_back(std::make_unique<const T>(std::move(next)));
    current_.store(values_.back().get(), std::memory_order_release);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<const T>> values_;
  std::atomic<const T*> current_{nullptr};
};

}  // namespace careid
