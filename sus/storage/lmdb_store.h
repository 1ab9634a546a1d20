// LmdbSusStore: the SusStore in one LMDB environment, the default store. This file and
// lmdb_store.cpp are the only SUS code that includes <lmdb.h>.
//
// On-disk layout: one folder with LMDB's data.mdb and lock.mdb, and four named databases.
//   tariff  key "2015/16" NUL HRG code      value: encoded HrgPrice (codec.h)
//   mff     key "2015/16" NUL provider code value: the factor in billionths, decimal digits
//   spells  key provider NUL spell number   value: encoded Spell
//   meta    key "format"                    value: "1"
//
// A spell writer keeps LMDB's write transaction open from begin_spells() to commit(), and keeps
// the encoded spells in memory until commit(), which sorts them by key and writes them in
// that order (appending when the spells database is empty). Sorted writes touch each page
// once and fill it: 1.4 million spells take 95 MB instead of the 173 MB that writes in file
// order left. The cost is memory, about 80 bytes per spell until commit().
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sus/storage/store.h"

namespace careid::sus::storage {

class LmdbSusStore final : public SusStore {
 public:
  // See SusStore::open.
  static Result<std::unique_ptr<SusStore>> open(const std::filesystem::path& folder, const StoreOptions& options);

  ~LmdbSusStore() override;

  Status replace_tariff_year(const tariff::TariffYear& tariff) override;
  Result<tariff::TariffYear> load_tariff_year(std::string_view year) const override;
  Status replace_mff_year(const tariff::MffTable& table) override;
  Result<tariff::MffTable> load_mff_year(std::string_view year) const override;
  Result<SpellWriter> begin_spells() override;
  Status for_each_spell(const std::function<Status(const spells::Spell&)>& visit) const override;
  Result<spells::Spell> find_spell(std::string_view provider, std::string_view spell_number) const override;
  std::string location() const override { return folder().string(); }

 private:
  struct Handles;
  class Batch;

  LmdbSusStore(std::filesystem::path folder, std::unique_ptr<Handles> handles);

  std::unique_ptr<Handles> handles_;
};

}  // namespace careid::sus::storage
