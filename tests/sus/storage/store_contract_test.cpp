// The SusStore contract, run against the LMDB store and the PostgreSQL store alike.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "sus/storage/store.h"
#include "tests/sus/storage/store_fixtures.h"

namespace careid::sus::storage {
namespace {

using testing::make_price;
using testing::make_spell;

std::unique_ptr<SusStore> open_or_fail(const std::string& location) {
  auto store = open_store(location);
  INFO("open_store: " << (store.ok() ? "ok" : store.status().message()));
  REQUIRE(store.ok());
  return std::move(*store);
}

std::vector<std::string> stored_keys(const SusStore& store) {
  std::vector<std::string> keys;
  Status status = store.for_each_spell([&](const spells::Spell& spell) {
    keys.push_back(spell.provider + "/" + spell.spell_number);
    return Status::ok_status();
  });
  REQUIRE(status.ok());
  return keys;
}

void put_and_commit(SusStore& store, const std::vector<spells::Spell>& spells) {
  auto writer = store.begin_spells();
  REQUIRE(writer.ok());
  for (const spells::Spell& spell : spells) {
    REQUIRE(writer->put(spell).ok());
  }
  REQUIRE(writer->commit().ok());
}

// Each SECTION runs against a store at a fresh location from `fresh_location`.
void check_store_contract(const std::function<std::string()>& fresh_location) {
  const std::string location = fresh_location();
  auto store = open_or_fail(location);

  SECTION("tariff year replaced whole") {
    tariff::TariffYear first("2015/16");
    first.put(make_price("DZ11N", 184000));
    first.put(make_price("AA22C", 312000));
    REQUIRE(store->replace_tariff_year(first).ok());
    tariff::TariffYear other_year("2016/17");
    other_year.put(make_price("DZ11N", 190000));
    REQUIRE(store->replace_tariff_year(other_year).ok());
    tariff::TariffYear second("2015/16");
    tariff::HrgPrice sparse = make_price("DZ11N", 185000);
    sparse.per_day_long_stay.reset();
    sparse.short_stay_emergency_applies = false;
    second.put(sparse);
    REQUIRE(store->replace_tariff_year(second).ok());

    auto loaded = store->load_tariff_year("2015/16");
    REQUIRE(loaded.ok());
    CHECK(loaded->size() == 1);
    REQUIRE(loaded->find("DZ11N") != nullptr);
    CHECK(*loaded->find("DZ11N") == sparse);
    CHECK(loaded->find("AA22C") == nullptr);
    auto untouched = store->load_tariff_year("2016/17");
    REQUIRE(untouched.ok());
    CHECK(untouched->find("DZ11N")->non_elective == 190000);
    CHECK(store->load_tariff_year("2017/18").status().code() == StatusCode::kNotFound);
  }

  SECTION("MFF year round trips") {
    tariff::MffTable table;
    table.year = "2015/16";
    table.by_provider["RGR"] = tariff::MffFactor{1'043'771'894};
    table.by_provider["RTH"] = tariff::MffFactor{1'100'325'480};
    REQUIRE(store->replace_mff_year(table).ok());
    table.by_provider.erase("RTH");
    REQUIRE(store->replace_mff_year(table).ok());

    auto loaded = store->load_mff_year("2015/16");
    REQUIRE(loaded.ok());
    CHECK(loaded->by_provider == table.by_provider);
    CHECK(store->load_mff_year("2016/17").status().code() == StatusCode::kNotFound);
  }

  SECTION("spells commit or discard") {
    {
      auto writer = store->begin_spells();
      REQUIRE(writer.ok());
      REQUIRE(writer->put(make_spell("RTH", "S2")).ok());
      REQUIRE(writer->put(make_spell("RGR", "S1")).ok());
      REQUIRE(writer->commit().ok());
      CHECK(writer->commit().code() == StatusCode::kFailedPrecondition);
      CHECK(writer->put(make_spell("RGR", "S3")).code() == StatusCode::kFailedPrecondition);
    }
    {
      auto discarded = store->begin_spells();
      REQUIRE(discarded.ok());
      REQUIRE(discarded->put(make_spell("RGR", "S9")).ok());
      REQUIRE(discarded->put(make_spell("RTH", "S2")).ok());
    }
    CHECK(stored_keys(*store) == std::vector<std::string>{"RGR/S1", "RTH/S2"});
    auto found = store->find_spell("RTH", "S2");
    REQUIRE(found.ok());
    CHECK(*found == make_spell("RTH", "S2"));
    CHECK(store->find_spell("RGR", "S9").status().code() == StatusCode::kNotFound);
  }

  SECTION("resubmitted spell replaces across periods") {
    put_and_commit(*store, {make_spell("RGR", "S1")});
    spells::Spell moved = make_spell("RGR", "S1");
    moved.hrg_code = "AA22C";
    moved.discharge_date += 366;  // the next financial year, and a PostgreSQL partition of its own
    put_and_commit(*store, {moved});

    CHECK(stored_keys(*store) == std::vector<std::string>{"RGR/S1"});
    auto found = store->find_spell("RGR", "S1");
    REQUIRE(found.ok());
    CHECK(*found == moved);
  }

  SECTION("later put in one writer wins") {
    spells::Spell first = make_spell("RGR", "S1");
    spells::Spell second = first;
    second.age_on_admission = 71;
    put_and_commit(*store, {first, make_spell("RGR", "S2"), second});
    CHECK(stored_keys(*store) == std::vector<std::string>{"RGR/S1", "RGR/S2"});
    CHECK(store->find_spell("RGR", "S1")->age_on_admission == 71);
  }

  SECTION("spells visited in bytewise key order") {
    put_and_commit(*store, {make_spell("RGR", "s1"), make_spell("RGR", "S9"), make_spell("RGR", "S10"),
                            make_spell("RA1", "S1"), make_spell("R0A", "S1"), make_spell("RGRA", "S0")});
    CHECK(stored_keys(*store) ==
          std::vector<std::string>{"R0A/S1", "RA1/S1", "RGR/S10", "RGR/S9", "RGR/s1", "RGRA/S0"});
  }

  SECTION("unusual characters round trip") {
    spells::Spell spell = make_spell("RGR", "A\\B\"C'D;E");
    spell.commissioner = "x\ty";
    spell.admission_method = "line\nbreak\r";
    put_and_commit(*store, {spell});
    auto found = store->find_spell("RGR", "A\\B\"C'D;E");
    REQUIRE(found.ok());
    CHECK(*found == spell);
  }

  SECTION("visitor error stops the scan") {
    put_and_commit(*store, {make_spell("RGR", "S1"), make_spell("RGR", "S2")});
    int visits = 0;
    Status status = store->for_each_spell([&](const spells::Spell&) {
      ++visits;
      return Status::invalid_argument("stop here");
    });
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(visits == 1);
    // The store stays usable after an interrupted scan.
    CHECK(stored_keys(*store).size() == 2);
  }

  SECTION("reopened store keeps its data") {
    tariff::TariffYear year("2015/16");
    year.put(make_price("DZ11N", 184000));
    REQUIRE(store->replace_tariff_year(year).ok());
    put_and_commit(*store, {make_spell("RGR", "S1")});
    store.reset();

    auto reopened = open_or_fail(location);
    CHECK(reopened->load_tariff_year("2015/16").ok());
    CHECK(reopened->find_spell("RGR", "S1").ok());
  }
}

TEST_CASE("Store contract on LMDB", "[sus][storage]") {
  std::vector<std::unique_ptr<testing::TemporaryFolder>> folders;
  check_store_contract([&] {
    folders.push_back(std::make_unique<testing::TemporaryFolder>());
    return folders.back()->path().string();
  });
}

TEST_CASE("Store contract on PostgreSQL", "[sus][storage][postgresql]") {
  testing::PostgresServer* server = testing::postgres_server_or_skip();
  if (server == nullptr) {
    return;
  }
  check_store_contract([&] { return server->create_database(); });
}

}  // namespace
}  // namespace careid::sus::storage
