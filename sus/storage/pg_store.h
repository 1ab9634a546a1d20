// PgSusStore: the SusStore on a PostgreSQL server, the scale-out store. The layout and
// partitions are in pg_schema.h; the connection wrapper is pg_connection.h.
//
// Writes: a tariff or MFF year is replaced in one transaction (delete the year, insert its
// rows). A spell writer opens one transaction and takes an advisory lock, so that writers
// run one at a time. It streams the spells with COPY into a temporary table. commit()
// creates the partitions the spells need, deletes the stored rows they replace, inserts
// them and commits. A failure at any step rolls everything back, as the LMDB store does.
//
// Reads: for_each_spell() reads through a cursor in one REPEATABLE READ transaction,
// kFetchRows rows at a time, so memory stays flat for any number of spells.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sus/storage/pg_connection.h"
#include "sus/storage/store.h"

namespace careid::sus::storage {

class PgSusStore final : public SusStore {
 public:
  static constexpr int kFetchRows = 20000;

  // Connects with a libpq URI, then creates or checks the schema (pg_schema.h). Returns
  // kUnavailable when the server cannot be reached and kFailedPrecondition for a schema
  // newer than this build reads.
  static Result<std::unique_ptr<SusStore>> open(std::string_view uri);

  Status replace_tariff_year(const tariff::TariffYear& tariff) override;
  Result<tariff::TariffYear> load_tariff_year(std::string_view year) const override;
  Status replace_mff_year(const tariff::MffTable& table) override;
  Result<tariff::MffTable> load_mff_year(std::string_view year) const override;
  Result<SpellWriter> begin_spells() override;
  Status for_each_spell(const std::function<Status(const spells::Spell&)>& visit) const override;
  Result<spells::Spell> find_spell(std::string_view provider, std::string_view spell_number) const override;
  std::string location() const override { return connection_->location(); }

 private:
  class Batch;

  explicit PgSusStore(std::unique_ptr<pg::Connection> connection);

  std::unique_ptr<pg::Connection> connection_;
};

}  // namespace careid::sus::storage
