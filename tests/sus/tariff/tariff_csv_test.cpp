#include "sus/tariff/tariff_csv.h"

#include <catch2/catch.hpp>

#include "sus/csv/csv.h"

namespace careid::sus::tariff {
namespace {

constexpr std::string_view kHeader =
    "HRG code,HRG name,Combined day case / ordinary elective spell tariff (\xC2\xA3),Day case spell tariff (\xC2\xA3),"
    "Ordinary elective spell tariff (\xC2\xA3),Ordinary elective long stay trim point (days),"
    "Non-elective spell tariff (\xC2\xA3),Non-elective long stay trim point (days),"
    "Per day long stay payment (for days exceeding trim point) (\xC2\xA3),"
    "Reduced short stay emergency tariff _applicable?,"
    "% applied in calculation of reduced short stay emergency tariff ,"
    "Reduced short stay emergency tariff (\xC2\xA3)\n";

TariffImport parse_rows(std::string_view rows) { return parse_tariff_csv(std::string(kHeader) + std::string(rows), "2015/16"); }

TEST_CASE("Tariff synthetic file loads", "[sus][tariff]") {
  auto text = csv::read_file(CAREID_SOURCE_DIR "/data/sus/tariff-synthetic-2015-16.csv");
  REQUIRE(text.ok());
  auto parsed = parse_tariff_csv(*text, "2015/16");
  for (const RowError& error : parsed.errors) {
    UNSCOPED_INFO(error.to_string());
  }
  REQUIRE(parsed.error_count == 0);
  CHECK(parsed.tariff.size() == 9);

  const HrgPrice* hip = parsed.tariff.find("HN12C");
  REQUIRE(hip != nullptr);
  CHECK(hip->day_case == 105000);
  CHECK(hip->ordinary_elective == 561400);
  CHECK_FALSE(hip->combined_elective.has_value());
  CHECK(hip->elective_trim_days == 9);
  CHECK(hip->non_elective == 610200);
  CHECK(hip->non_elective_trim_days == 15);
  CHECK(hip->per_day_long_stay == 22600);
  CHECK_FALSE(hip->short_stay_emergency_applies);

  const HrgPrice* pneumonia = parsed.tariff.find("DZ11N");
  REQUIRE(pneumonia != nullptr);
  CHECK(pneumonia->short_stay_emergency_applies);
  CHECK(pneumonia->short_stay_emergency_percent == 39);
  CHECK(pneumonia->short_stay_emergency == 71800);
  CHECK(pneumonia->hrg_name == "SYNTHETIC Lobar or atypical pneumonia with CC score 0-2");
}

TEST_CASE("Tariff dash means no price", "[sus][tariff]") {
  auto parsed = parse_rows("WA14Z,Not carried out,-,-,-,-,-,-,-,No,-,-\n");
  REQUIRE(parsed.error_count == 0);
  const HrgPrice* price = parsed.tariff.find("WA14Z");
  REQUIRE(price != nullptr);
  CHECK_FALSE(price->combined_elective.has_value());
  CHECK_FALSE(price->day_case.has_value());
  CHECK_FALSE(price->ordinary_elective.has_value());
  CHECK_FALSE(price->elective_trim_days.has_value());
  CHECK_FALSE(price->non_elective.has_value());
  CHECK_FALSE(price->per_day_long_stay.has_value());
  CHECK_FALSE(price->short_stay_emergency.has_value());
}

TEST_CASE("Tariff bad cell names line and column", "[sus][tariff]") {
  auto parsed = parse_rows("AA22C,Stroke,-,-,-,-,3120,18,245,Yes,39%,1217\n"
                           "DZ11N,Pneumonia,-,12x,-,-,1840,9,230,Yes,39%,718\n");
  REQUIRE(parsed.error_count == 1);
  REQUIRE(parsed.errors.size() == 1);
  const RowError& error = parsed.errors[0];
  CHECK(error.line == 3);
  CHECK(error.column == 4);
  CHECK(error.column_name == "Day case spell tariff (\xC2\xA3)");
  CHECK(error.to_string() ==
        "line 3, column 4 (Day case spell tariff (\xC2\xA3)): invalid price '12x'; expected pounds such as 1234 "
        "or 1,234.50");
}

TEST_CASE("Tariff invalid cells each reported", "[sus][tariff]") {
  struct Case {
    std::string row;
    std::size_t column;
    std::string message_start;
  };
  const Case cases[] = {
      {"A22C,x,-,-,-,-,1,1,1,No,-,-", 1, "invalid HRG code 'A22C'"},
      {"AA22C,,-,-,-,-,1,1,1,No,-,-", 2, "empty cell"},
      {"AA22C,x,,-,-,-,1,1,1,No,-,-", 3, "empty cell"},
      {"AA22C,x,-,-,-,nine,1,1,1,No,-,-", 6, "invalid trim point 'nine'"},
      {"AA22C,x,-,-,-,-,1,-3,1,No,-,-", 8, "invalid trim point '-3'"},
      {"AA22C,x,-,-,-,-,1,1,1,Maybe,-,-", 10, "invalid flag 'Maybe'"},
      {"AA22C,x,-,-,-,-,1,1,1,Yes,140%,1", 11, "invalid percentage '140%'"},
      {"AA22C,x,-,-,-,-,1,1,1,Yes,39%,-", 12, "missing price for an HRG flagged"},
      {"AA22C,x,-,-,-,-,1,5,-,No,-,-", 9, "missing per-day long stay payment"},
  };
  for (const Case& c : cases) {
    INFO(c.row);
    auto parsed = parse_rows(c.row + "\n");
    REQUIRE(parsed.error_count == 1);
    CHECK(parsed.errors[0].line == 2);
    CHECK(parsed.errors[0].column == c.column);
    CHECK(parsed.errors[0].message.substr(0, c.message_start.size()) == c.message_start);
  }
}

TEST_CASE("Tariff duplicate HRG rejected", "[sus][tariff]") {
  auto parsed = parse_rows("AA22C,x,-,-,-,-,1,1,1,No,-,-\nAA22C,y,-,-,-,-,1,1,1,No,-,-\n");
  REQUIRE(parsed.error_count == 1);
  CHECK(parsed.errors[0].line == 3);
  CHECK(parsed.errors[0].column == 1);
  CHECK(parsed.errors[0].message == "duplicate HRG code 'AA22C'");
}

TEST_CASE("Tariff short row rejected", "[sus][tariff]") {
  auto parsed = parse_rows("AA22C,x,-,-\n");
  REQUIRE(parsed.error_count == 1);
  CHECK(parsed.errors[0].line == 2);
  CHECK(parsed.errors[0].column == 0);
  CHECK(parsed.errors[0].message == "row has 4 columns, fewer than the header");
}

TEST_CASE("Tariff missing column reported", "[sus][tariff]") {
  auto parsed = parse_tariff_csv("HRG code,HRG name\nAA22C,x\n", "2015/16");
  CHECK(parsed.error_count == 10);
  CHECK(parsed.errors[0].line == 1);
  CHECK(parsed.errors[0].message == "missing column");
  CHECK(parsed.errors[0].column_name == "Combined day case / ordinary elective spell tariff (\xC2\xA3)");
  CHECK(parsed.tariff.size() == 0);
}

TEST_CASE("Tariff columns in any order", "[sus][tariff]") {
  std::string header(kHeader);
  const std::string text =
      "Outpatient procedure tariff (\xC2\xA3),HRG NAME,hrg code," + header.substr(header.find("Combined")) +
      "99,Stroke,AA22C,-,-,-,-,3120,18,245,Yes,39%,1217\n";
  auto parsed = parse_tariff_csv(text, "2015/16");
  REQUIRE(parsed.error_count == 0);
  REQUIRE(parsed.tariff.find("AA22C") != nullptr);
  CHECK(parsed.tariff.find("AA22C")->non_elective == 312000);
}

TEST_CASE("Tariff error list capped", "[sus][tariff]") {
  std::string rows;
  for (int i = 0; i < 60; ++i) {
    rows += "bad,x,-,-,-,-,1,1,1,No,-,-\n";
  }
  auto parsed = parse_rows(rows);
  CHECK(parsed.error_count == 60);
  CHECK(parsed.errors.size() == kMaxReportedErrors);
  Status status = import_errors_status("t.csv", parsed.errors, parsed.error_count);
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message().find("t.csv: 60 invalid values; nothing was stored") == 0);
  CHECK(status.message().find("... and 10 more") != std::string::npos);
}

TEST_CASE("Financial year and HRG code formats", "[sus][tariff]") {
  CHECK(is_financial_year("2015/16"));
  CHECK(is_financial_year("2099/00"));
  CHECK_FALSE(is_financial_year("2015/17"));
  CHECK_FALSE(is_financial_year("2015-16"));
  CHECK_FALSE(is_financial_year("15/16"));
  CHECK(is_hrg_code("FZ24E"));
  CHECK_FALSE(is_hrg_code("FZ24"));
  CHECK_FALSE(is_hrg_code("fz24e"));
}

TEST_CASE("MFF real schedule loads", "[sus][tariff]") {
  auto text = csv::read_file(CAREID_SOURCE_DIR "/data/reference/nhsrefcost-2015-16-national-schedule.csv");
  REQUIRE(text.ok());
  auto parsed = parse_mff_csv(*text, "2015/16");
  REQUIRE(parsed.error_count == 0);
  CHECK(parsed.table.by_provider.size() == 237);
  REQUIRE(parsed.table.find("RGR") != nullptr);
  CHECK(*parsed.table.find("RGR") == MffFactor{1'043'771'894});
  CHECK(parsed.table.find("ZZZ") == nullptr);
}

TEST_CASE("MFF bad rows reported", "[sus][tariff]") {
  auto parsed = parse_mff_csv("Provider code,MFF\nRGR,1.04\nRGR,1.05\nrx,1.0\nRTH,NA\n", "2015/16");
  REQUIRE(parsed.error_count == 3);
  CHECK(parsed.errors[0].to_string() == "line 3, column 1 (Org.Code): duplicate provider code 'RGR'");
  CHECK(parsed.errors[1].line == 4);
  CHECK(parsed.errors[1].column == 1);
  CHECK(parsed.errors[2].to_string() ==
        "line 5, column 2 (MFF): invalid market forces factor 'NA'; expected a decimal such as 1.051320001");

  auto missing = parse_mff_csv("Org.Code,Factor\nRGR,1\n", "2015/16");
  REQUIRE(missing.error_count == 1);
  CHECK(missing.errors[0].to_string() == "line 1 (MFF): missing column");
}

}  // namespace
}  // namespace careid::sus::tariff
