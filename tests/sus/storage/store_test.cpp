#include "sus/storage/store.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <vector>

#include "sus/storage/codec.h"

namespace careid::sus::storage {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the system temporary folder, removed when the test ends.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    path_ = fs::temp_directory_path() / ("careid-sus-store-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::remove_all(path_);
  }
  ~TemporaryFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int next_ = 0;
  fs::path path_;
};

tariff::HrgPrice make_price(std::string code, tariff::Pence non_elective) {
  tariff::HrgPrice price;
  price.hrg_code = std::move(code);
  price.hrg_name = "SYNTHETIC " + price.hrg_code;
  price.non_elective = non_elective;
  price.non_elective_trim_days = 9;
  price.per_day_long_stay = 23000;
  price.short_stay_emergency_applies = true;
  price.short_stay_emergency_percent = 39;
  price.short_stay_emergency = 71800;
  return price;
}

spells::Spell make_spell(std::string provider, std::string number) {
  spells::Spell spell;
  spell.spell_number = std::move(number);
  spell.provider = std::move(provider);
  spell.commissioner = "06T";
  spell.admission_method = "2A";
  spell.classification = spells::PatientClassification::kDayCase;
  spell.start_date = 16587;
  spell.discharge_date = 16590;
  spell.age_on_admission = 70;
  spell.hrg_code = "DZ11N";
  return spell;
}

TEST_CASE("Store codec round trips", "[sus][storage]") {
  const tariff::HrgPrice price = make_price("DZ11N", 184000);
  tariff::HrgPrice decoded_price;
  REQUIRE(detail::decode_price(detail::encode_price(price), decoded_price));
  CHECK(decoded_price == price);

  const spells::Spell spell = make_spell("RGR", "S1");
  spells::Spell decoded_spell;
  const std::string bytes = detail::encode_spell(spell);
  REQUIRE(detail::decode_spell(bytes, decoded_spell));
  CHECK(decoded_spell == spell);

  // Every truncation and an extra byte fail to decode.
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CHECK_FALSE(detail::decode_spell(bytes.substr(0, size), decoded_spell));
  }
  CHECK_FALSE(detail::decode_spell(bytes + "x", decoded_spell));
}

TEST_CASE("Store tariff year replaced whole", "[sus][storage]") {
  TemporaryFolder folder;
  auto store = SusStore::open(folder.path());
  REQUIRE(store.ok());

  tariff::TariffYear first("2015/16");
  first.put(make_price("DZ11N", 184000));
  first.put(make_price("AA22C", 312000));
  REQUIRE((*store)->replace_tariff_year(first).ok());
  tariff::TariffYear other_year("2016/17");
  other_year.put(make_price("DZ11N", 190000));
  REQUIRE((*store)->replace_tariff_year(other_year).ok());

  tariff::TariffYear second("2015/16");
  second.put(make_price("DZ11N", 185000));
  REQUIRE((*store)->replace_tariff_year(second).ok());

  auto loaded = (*store)->load_tariff_year("2015/16");
  REQUIRE(loaded.ok());
  CHECK(loaded->size() == 1);
  REQUIRE(loaded->find("DZ11N") != nullptr);
  CHECK(*loaded->find("DZ11N") == make_price("DZ11N", 185000));
  CHECK(loaded->find("AA22C") == nullptr);

  auto untouched = (*store)->load_tariff_year("2016/17");
  REQUIRE(untouched.ok());
  CHECK(untouched->find("DZ11N")->non_elective == 190000);

  auto missing = (*store)->load_tariff_year("2017/18");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
}

TEST_CASE("Store MFF year round trips", "[sus][storage]") {
  TemporaryFolder folder;
  auto store = SusStore::open(folder.path());
  REQUIRE(store.ok());
  tariff::MffTable table;
  table.year = "2015/16";
  table.by_provider["RGR"] = tariff::MffFactor{1'043'771'894};
  table.by_provider["RTH"] = tariff::MffFactor{1'100'325'480};
  REQUIRE((*store)->replace_mff_year(table).ok());

  auto loaded = (*store)->load_mff_year("2015/16");
  REQUIRE(loaded.ok());
  CHECK(loaded->by_provider == table.by_provider);
  CHECK((*store)->load_mff_year("2016/17").status().code() == StatusCode::kNotFound);
}

TEST_CASE("Store spells commit or discard", "[sus][storage]") {
  TemporaryFolder folder;
  auto store = SusStore::open(folder.path());
  REQUIRE(store.ok());
  {
    auto writer = (*store)->begin_spells();
    REQUIRE(writer.ok());
    REQUIRE(writer->put(make_spell("RTH", "S2")).ok());
    REQUIRE(writer->put(make_spell("RGR", "S1")).ok());
    REQUIRE(writer->commit().ok());
    CHECK(writer->commit().code() == StatusCode::kFailedPrecondition);
  }
  {
    auto discarded = (*store)->begin_spells();
    REQUIRE(discarded.ok());
    REQUIRE(discarded->put(make_spell("RGR", "S9")).ok());
  }

  std::vector<std::string> keys;
  Status status = (*store)->for_each_spell([&](const spells::Spell& spell) {
    keys.push_back(spell.provider + "/" + spell.spell_number);
    return Status::ok_status();
  });
  REQUIRE(status.ok());
  CHECK(keys == std::vector<std::string>{"RGR/S1", "RTH/S2"});

  auto found = (*store)->find_spell("RTH", "S2");
  REQUIRE(found.ok());
  CHECK(*found == make_spell("RTH", "S2"));
  CHECK((*store)->find_spell("RGR", "S9").status().code() == StatusCode::kNotFound);
}

TEST_CASE("Store resubmitted spell replaces", "[sus][storage]") {
  TemporaryFolder folder;
  auto store = SusStore::open(folder.path());
  REQUIRE(store.ok());
  for (const char* hrg : {"DZ11N", "AA22C"}) {
    auto writer = (*store)->begin_spells();
    REQUIRE(writer.ok());
    spells::Spell spell = make_spell("RGR", "S1");
    spell.hrg_code = hrg;
    REQUIRE(writer->put(spell).ok());
    REQUIRE(writer->commit().ok());
  }
  auto found = (*store)->find_spell("RGR", "S1");
  REQUIRE(found.ok());
  CHECK(found->hrg_code == "AA22C");
}

TEST_CASE("Store reopens with its data", "[sus][storage]") {
  TemporaryFolder folder;
  {
    auto store = SusStore::open(folder.path());
    REQUIRE(store.ok());
    tariff::TariffYear year("2015/16");
    year.put(make_price("DZ11N", 184000));
    REQUIRE((*store)->replace_tariff_year(year).ok());
  }
  auto reopened = SusStore::open(folder.path());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->load_tariff_year("2015/16").ok());
}

TEST_CASE("Store map full reported", "[sus][storage]") {
  TemporaryFolder folder;
  StoreOptions options;
  options.map_size_bytes = 256 * 1024;
  auto store = SusStore::open(folder.path(), options);
  REQUIRE(store.ok());
  auto writer = (*store)->begin_spells();
  REQUIRE(writer.ok());
  Status status;
  for (int i = 0; i < 100000 && status.ok(); ++i) {
    status = writer->put(make_spell("RGR", "S" + std::to_string(i)));
  }
  CHECK(status.code() == StatusCode::kResourceExhausted);
  CHECK(status.message().find("larger map size") != std::string::npos);
}

}  // namespace
}  // namespace careid::sus::storage
