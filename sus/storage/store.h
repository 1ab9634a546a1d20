// SusStore: the tariff catalogue, market forces factors and spells on disk, in one LMDB
// environment. This folder is the only SUS code that includes <lmdb.h>.
//
// On-disk layout: one folder with LMDB's data.mdb and lock.mdb, and four named databases.
//   tariff  key "2015/16" NUL HRG code      value: encoded HrgPrice (codec.h)
//   mff     key "2015/16" NUL provider code value: the factor in billionths, decimal digits
//   spells  key provider NUL spell number   value: encoded Spell
//   meta    key "format"                    value: "1"
// Replacing a tariff or MFF year and importing a file of spells each happen in one write
// transaction, so a failed import leaves the store as it was.
//
// Threads: a SusStore may be used from one thread at a time. Another process may read the
// store while one writes (LMDB readers see the last committed state).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "sus/spells/spell.h"
#include "sus/tariff/tariff.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::storage {

struct StoreOptions {
  // LMDB map size: the largest the store may grow. A national month of about 1.4 million
  // spells takes about 250 MB; the default leaves room for several years.
  std::size_t map_size_bytes = std::size_t{16} << 30;
};

class SpellWriter;

class SusStore {
 public:
  // Opens the store in `folder`, creating the folder and the databases when missing.
  // Returns kIoError when the folder cannot be created or opened, kCorruption when it
  // contains a store of another format.
  static Result<std::unique_ptr<SusStore>> open(const std::filesystem::path& folder, const StoreOptions& options = {});

  ~SusStore();
  SusStore(const SusStore&) = delete;
  SusStore& operator=(const SusStore&) = delete;

  // Replaces every price of tariff.year() with the prices in `tariff`, in one transaction.
  Status replace_tariff_year(const tariff::TariffYear& tariff);

  // Loads a tariff year. Returns kNotFound when the store has no prices for `year`.
  Result<tariff::TariffYear> load_tariff_year(std::string_view year) const;

  // Replaces the market forces factors of table.year, in one transaction.
  Status replace_mff_year(const tariff::MffTable& table);

  // Loads the factors of `year`. Returns kNotFound when the store has none.
  Result<tariff::MffTable> load_mff_year(std::string_view year) const;

  // Starts a write transaction for spells. Only one writer may be live at a time; the
  // SusStore must outlive it.
  Result<SpellWriter> begin_spells();

  // Calls `visit` for every stored spell in key order (provider, then spell number), in one
  // read transaction. The Spell reference is valid only during the call. Stops at, and
  // returns, the first non-OK Status from `visit`; kCorruption for a value that does not decode.
  Status for_each_spell(const std::function<Status(const spells::Spell&)>& visit) const;

  // Reads one spell. Returns kNotFound when the provider has no such spell number.
  Result<spells::Spell> find_spell(std::string_view provider, std::string_view spell_number) const;

  const std::filesystem::path& folder() const { return folder_; }

 private:
  struct Handles;
  friend class SpellWriter;

  SusStore(std::filesystem::path folder, std::unique_ptr<Handles> handles);

  std::filesystem::path folder_;
  std::unique_ptr<Handles> handles_;
};

// One write transaction of spells. A spell whose provider and spell number are already
// stored replaces it (a resubmission). Destroying a writer without commit() discards the
// spells it put.
class SpellWriter {
 public:
  SpellWriter(SpellWriter&& other) noexcept;
  SpellWriter& operator=(SpellWriter&&) = delete;
  ~SpellWriter();

  // Returns kResourceExhausted when the store's map size is reached.
  Status put(const spells::Spell& spell);

  // Makes every put durable. The writer cannot be used afterwards, whatever the result.
  Status commit();

 private:
  friend class SusStore;
  struct Txn;
  SpellWriter(SusStore& store, std::unique_ptr<Txn> txn);

  SusStore* store_;
  std::unique_ptr<Txn> txn_;
};

}  // namespace careid::sus::storage
