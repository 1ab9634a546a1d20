#include "sus/csv/csv.h"

#include <catch2/catch.hpp>

namespace careid::sus::csv {
namespace {

std::vector<std::vector<std::string>> read_all(std::string_view text) {
  Cursor cursor(text);
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string>> records;
  while (true) {
    auto more = cursor.next(fields);
    REQUIRE(more.ok());
    if (!*more) {
      break;
    }
    records.emplace_back(fields.begin(), fields.end());
  }
  return records;
}

TEST_CASE("CSV cursor plain and quoted fields", "[sus][csv]") {
  auto records = read_all("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",z");
  REQUIRE(records.size() == 3);
  CHECK(records[0] == std::vector<std::string>{"a", "b"});
  CHECK(records[1] == std::vector<std::string>{"x,1", "say \"hi\""});
  CHECK(records[2] == std::vector<std::string>{"two\nlines", "z"});
}

TEST_CASE("CSV cursor line numbers across quotes", "[sus][csv]") {
  Cursor cursor("h\n\"a\nb\"\nc\n");
  std::vector<std::string_view> fields;
  REQUIRE(*cursor.next(fields));
  CHECK(cursor.record_line() == 1);
  REQUIRE(*cursor.next(fields));
  CHECK(cursor.record_line() == 2);
  REQUIRE(*cursor.next(fields));
  CHECK(cursor.record_line() == 4);
  CHECK(fields[0] == "c");
  CHECK_FALSE(*cursor.next(fields));
}

TEST_CASE("CSV cursor skips byte order mark", "[sus][csv]") {
  auto records = read_all("\xEF\xBB\xBFHRG code,x\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0][0] == "HRG code");
}

TEST_CASE("CSV cursor malformed quotes reported", "[sus][csv]") {
  std::vector<std::string_view> fields;
  Cursor after_quote("a,\"b\"x,c\nnext\n");
  auto bad = after_quote.next(fields);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "line 1, column 2: unexpected character after a closing quote");
  auto good = after_quote.next(fields);
  REQUIRE(good.ok());
  CHECK(fields[0] == "next");

  Cursor unterminated("a\n\"open");
  REQUIRE(*unterminated.next(fields));
  auto open = unterminated.next(fields);
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().message() == "line 2, column 1: unterminated quoted field");
}

TEST_CASE("CSV header normalisation", "[sus][csv]") {
  CHECK(normalise_header("Reduced short stay emergency tariff _applicable?") ==
        "reduced short stay emergency tariff applicable?");
  CHECK(normalise_header("  HRG   Code ") == "hrg code");
  CHECK(trim(" \tx y\t ") == "x y");
}

}  // namespace
}  // namespace careid::sus::csv
