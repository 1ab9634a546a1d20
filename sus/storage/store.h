// SusStore: the tariff catalogue, market forces factors and spells, behind one interface
// with two implementations:
//   - LMDB (lmdb_store.h), embedded in one folder; the default.
//   - PostgreSQL (pg_store.h), the scale-out store, with spells partitioned by financial
//     year of discharge and by provider.
// open_store() picks one from a location: a `postgresql://` or `postgres://` libpq
// connection URI opens PostgreSQL, anything else is an LMDB folder.
//
// Both implementations keep the same contract. Replacing a tariff or MFF year and
// importing a file of spells each happen in one transaction, so a failed import leaves the
// store as it was. for_each_spell() visits spells in the same order in both (provider, then
// spell number, compared bytewise).
//
// Threads: a SusStore may be used from one thread at a time. Other processes may read the
// store while one writes, and see the last committed state.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sus/spells/spell.h"
#include "sus/tariff/tariff.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::storage {

struct StoreOptions {
  // LMDB map size: the largest the store may grow. A national month of about 1.4 million
  // spells takes about 100 MB; the default leaves room for many years. PostgreSQL
  // ignores it.
  std::size_t map_size_bytes = std::size_t{16} << 30;
};

class SpellWriter;

// The storage side of a SpellWriter: one transaction of one store kind.
class SpellBatch {
 public:
  virtual ~SpellBatch() = default;
  // See SpellWriter::put.
  virtual Status put(const spells::Spell& spell) = 0;
  // Called at most once; destroying an uncommitted batch discards its spells.
  virtual Status commit() = 0;
};

class SusStore {
 public:
  // Opens the LMDB store in `folder`, creating the folder and the databases when missing.
  // Returns kIoError when the folder cannot be created or opened, kCorruption when it
  // contains a store of another format.
  static Result<std::unique_ptr<SusStore>> open(const std::filesystem::path& folder, const StoreOptions& options = {});

  virtual ~SusStore();
  SusStore(const SusStore&) = delete;
  SusStore& operator=(const SusStore&) = delete;

  // Replaces every price of tariff.year() with the prices in `tariff`, in one transaction.
  virtual Status replace_tariff_year(const tariff::TariffYear& tariff) = 0;

  // Loads a tariff year. Returns kNotFound when the store has no prices for `year`.
  virtual Result<tariff::TariffYear> load_tariff_year(std::string_view year) const = 0;

  // Replaces the market forces factors of table.year, in one transaction.
  virtual Status replace_mff_year(const tariff::MffTable& table) = 0;

  // Loads the factors of `year`. Returns kNotFound when the store has none.
  virtual Result<tariff::MffTable> load_mff_year(std::string_view year) const = 0;

  // Starts a write transaction for spells. Only one writer may be live at a time; the
  // SusStore must outlive it.
  virtual Result<SpellWriter> begin_spells() = 0;

  // Calls `visit` for every stored spell in key order (provider, then spell number), in one
  // read transaction. The Spell reference is valid only during the call. Stops at, and
  // returns, the first non-OK Status from `visit`; kCorruption for a value that does not decode.
  virtual Status for_each_spell(const std::function<Status(const spells::Spell&)>& visit) const = 0;

  // Reads one spell. Returns kNotFound when the provider has no such spell number.
  virtual Result<spells::Spell> find_spell(std::string_view provider, std::string_view spell_number) const = 0;

  // The LMDB folder; empty for a PostgreSQL store.
  const std::filesystem::path& folder() const { return folder_; }

  // Where the store is, safe to print and log: the folder, or the URI without its password.
  virtual std::string location() const = 0;

 protected:
  explicit SusStore(std::filesystem::path folder) : folder_(std::move(folder)) {}

  static SpellWriter make_writer(std::unique_ptr<SpellBatch> batch);

 private:
  std::filesystem::path folder_;
};

// Opens the store at `location`: a libpq connection URI starting `postgresql://` or
// `postgres://` opens PostgreSQL (pg_store.h), anything else is an LMDB folder (created
// when missing). Errors are those of the chosen store; they never contain the password.
Result<std::unique_ptr<SusStore>> open_store(std::string_view location, const StoreOptions& options = {});

// Returns true when `location` names a PostgreSQL store.
bool is_postgresql_location(std::string_view location);

// One write transaction of spells. A spell whose provider and spell number are already
// stored replaces it (a resubmission), and so does a later put of the same key in the same
// writer. Destroying a writer without commit() discards the spells it put.
class SpellWriter {
 public:
  SpellWriter(SpellWriter&& other) noexcept;
  SpellWriter& operator=(SpellWriter&&) = delete;
  ~SpellWriter();

  // Adds a spell to the transaction. Returns kInvalidArgument for a spell that the store
  // cannot hold (PostgreSQL: a NUL byte, or a date outside 1900-01-01 to 2199-12-31).
  Status put(const spells::Spell& spell);

  // Makes every put durable. The writer cannot be used afterwards, whatever the result.
  // Returns kResourceExhausted when the LMDB map size is reached, and kInvalidArgument when
  // PostgreSQL rejects a value (such as a patient classification outside 1-5).
  Status commit();

 private:
  friend class SusStore;
  explicit SpellWriter(std::unique_ptr<SpellBatch> batch);

  std::unique_ptr<SpellBatch> batch_;
};

}  // namespace careid::sus::storage
