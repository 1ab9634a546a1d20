// YearCache: tariff and MFF years read from the store, kept in memory for a while, so that
// tariff lookups and pricing do not read and decode a whole year per request.
//
// Thread-safe: one mutex guards the entries. A loader runs outside that mutex, so two
// threads that miss at once may both load; the later result is kept.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sus/tariff/tariff.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::api {

class YearCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  template <class T>
  using Loader = std::function<Result<T>(std::string_view year)>;

  // At most this many years of each kind are kept; a new year beyond it empties the cache.
  static constexpr std::size_t kMaxYears = 16;

  YearCache(std::chrono::seconds ttl, Clock clock) : ttl_(ttl), clock_(std::move(clock)) {}

  // Returns the cached year when it was loaded less than ttl ago, else calls `load`. Errors
  // of `load` (kNotFound when the store has no such year) are returned and not cached.
  Result<std::shared_ptr<const tariff::TariffYear>> tariff(std::string_view year,
                                                           const Loader<tariff::TariffYear>& load);
  Result<std::shared_ptr<const tariff::MffTable>> mff(std::string_view year,
                                                      const Loader<tariff::MffTable>& load);

 private:
  template <class T>
  struct Entry {
    std::shared_ptr<const T> value;
    std::chrono::steady_clock::time_point loaded;
  };
  template <class T>
  using Entries = std::map<std::string, Entry<T>, std::less<>>;

  template <class T>
  Result<std::shared_ptr<const T>> get(Entries<T>& entries, std::string_view year, const Loader<T>& load);

  const std::chrono::seconds ttl_;
  const Clock clock_;
  std::mutex mutex_;
  Entries<tariff::TariffYear> tariffs_;
  Entries<tariff::MffTable> factors_;
};

}  // namespace careid::sus::api
