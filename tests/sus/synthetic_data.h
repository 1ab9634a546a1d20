// Loads the data that ships with careid into a SUS store, for tests that price real rows.
#pragma once

#include <catch2/catch.hpp>

#include "sus/csv/csv.h"
#include "sus/spells/spell_csv.h"
#include "sus/storage/store.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::testing {

// Stores the synthetic 2015/16 tariff, the real 2015/16 MFF and the synthetic spells (RGR
// and RTH, for commissioners 06T and 00C) in `store`.
inline void load_synthetic_data(storage::SusStore& store) {
  auto tariff_text = csv::read_file(CAREID_SOURCE_DIR "/data/sus/tariff-synthetic-2015-16.csv");
  REQUIRE(tariff_text.ok());
  auto tariff = tariff::parse_tariff_csv(*tariff_text, "2015/16");
  REQUIRE(tariff.error_count == 0);
  REQUIRE(store.replace_tariff_year(tariff.tariff).ok());

  auto mff_text = csv::read_file(CAREID_SOURCE_DIR "/data/reference/nhsrefcost-2015-16-national-schedule.csv");
  REQUIRE(mff_text.ok());
  auto mff = tariff::parse_mff_csv(*mff_text, "2015/16");
  REQUIRE(mff.error_count == 0);
  REQUIRE(store.replace_mff_year(mff.table).ok());

  auto spell_text = csv::read_file(CAREID_SOURCE_DIR "/data/sus/spells-synthetic-2015-16.csv");
  REQUIRE(spell_text.ok());
  auto writer = store.begin_spells();
  REQUIRE(writer.ok());
  auto ingested = spells::ingest_spells(
      *spell_text, [&](const spells::Spell& spell) { return writer->put(spell); },
      [](const spells::Rejection&) {});
  REQUIRE(ingested.ok());
  REQUIRE(writer->commit().ok());
}

}  // namespace careid::sus::testing
