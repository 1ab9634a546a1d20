#include "sus/extract/extract.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "../synthetic_data.h"

namespace careid::sus::extract {
namespace {

namespace fs = std::filesystem;

// A store loaded with the synthetic tariff, the real 2015/16 MFF and the synthetic spells.
class LoadedStore {
 public:
  LoadedStore() {
    folder_ = fs::temp_directory_path() / ("careid-sus-extract-" + std::to_string(::getpid()));
    fs::remove_all(folder_);
    auto store = storage::SusStore::open(folder_);
    REQUIRE(store.ok());
    store_ = std::move(*store);

    testing::load_synthetic_data(*store_);
  }
  ~LoadedStore() {
    store_.reset();
    fs::remove_all(folder_);
  }
  const storage::SusStore& store() const { return *store_; }

 private:
  fs::path folder_;
  std::unique_ptr<storage::SusStore> store_;
};

SpellFilter whole_year() {
  auto filter = financial_year_period("2015/16");
  REQUIRE(filter.ok());
  return *filter;
}

TEST_CASE("Financial year period bounds", "[sus][extract]") {
  const SpellFilter filter = whole_year();
  CHECK(spells::format_date(filter.from) == "2015-04-01");
  CHECK(spells::format_date(filter.to) == "2016-03-31");
  CHECK(financial_year_period("2015-16").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Extract prices synthetic spells", "[sus][extract]") {
  LoadedStore loaded;
  auto summary = price_stored_spells(loaded.store(), "2015/16", whole_year());
  REQUIRE(summary.ok());
  CHECK(summary->spells == 10);
  CHECK(summary->priced == 8);
  CHECK(summary->unpriced == 2);
  // The sum of the worked examples in sus/README.md.
  CHECK(summary->total == 2159866);
  REQUIRE(summary->unpriced_reasons.size() == 2);
  CHECK(summary->unpriced_reasons[0] == "spell RTH/S0009: HRG WA14Z has no non-elective price in the tariff");
  CHECK(summary->unpriced_reasons[1] == "spell RTH/S0010: HRG XX99Z is not in the 2015/16 tariff");
}

TEST_CASE("Extract per commissioner rows", "[sus][extract]") {
  LoadedStore loaded;
  SpellFilter filter = whole_year();
  filter.commissioner = "06T";
  std::ostringstream out;
  auto summary = write_extract(loaded.store(), "2015/16", filter, out);
  REQUIRE(summary.ok());
  CHECK(summary->spells == 7);

  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) {
    rows.push_back(line);
  }
  REQUIRE(rows.size() == 8);
  CHECK(rows[0] + "\n" == extract_header());
  CHECK(rows[2] ==
        "RGR,06T,S0002,21,1,2015-06-01,2015-06-13,12,80,DZ11N,non-elective,1840.00,9,3,230.00,690.00,2530.00,"
        "1.043771894,110.74,2640.74,priced,");
  CHECK(rows[3].find(",reduced short stay emergency,718.00,") != std::string::npos);
  CHECK(rows[7] ==
        "RTH,06T,S0010,11,1,2015-08-03,2015-08-05,2,50,XX99Z,,,,,,,,,,,unpriced,"
        "spell RTH/S0010: HRG XX99Z is not in the 2015/16 tariff");
}

TEST_CASE("Extract per provider and period", "[sus][extract]") {
  LoadedStore loaded;
  SpellFilter filter = whole_year();
  filter.provider = "RGR";
  filter.from = *spells::parse_date("2015-07-01");
  filter.to = *spells::parse_date("2015-07-17");
  auto summary = price_stored_spells(loaded.store(), "2015/16", filter);
  REQUIRE(summary.ok());
  CHECK(summary->spells == 2);  // S0005 and S0006; S0007 is discharged on 2015-07-25
  CHECK(summary->total == 92791 + 585974);
}

TEST_CASE("Extract without tariff fails", "[sus][extract]") {
  LoadedStore loaded;
  auto summary = price_stored_spells(loaded.store(), "2016/17", whole_year());
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace careid::sus::extract
