#include "sus/api/year_cache.h"

namespace careid::sus::api {

template <class T>
Result<std::shared_ptr<const T>> YearCache::get(Entries<T>& entries, std::string_view year,
                                                const Loader<T>& load) {
  {
    std::lock_guard lock(mutex_);
    auto found = entries.find(year);
    if (found != entries.end() && clock_() - found->second.loaded < ttl_) {
      return found->second.value;
    }
  }

  Result<T> loaded = load(year);
  if (!loaded.ok()) {
    return loaded.status();
  }
  auto value = std::make_shared<const T>(std::move(*loaded));

  std::lock_guard lock(mutex_);
  if (entries.size() >= kMaxYears && !entries.contains(year)) {
    entries.clear();
  }
  entries.insert_or_assign(std::string(year), Entry<T>{value, clock_()});
  return std::shared_ptr<const T>(value);
}

Result<std::shared_ptr<const tariff::TariffYear>> YearCache::tariff(
    std::string_view year, const Loader<tariff::TariffYear>& load) {
  return get(tariffs_, year, load);
}

Result<std::shared_ptr<const tariff::MffTable>> YearCache::mff(std::string_view year,
                                                               const Loader<tariff::MffTable>& load) {
  return get(factors_, year, load);
}

}  // namespace careid::sus::api
