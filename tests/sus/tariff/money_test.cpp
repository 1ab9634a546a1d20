#include "sus/tariff/money.h"

#include <catch2/catch.hpp>

namespace careid::sus::tariff {
namespace {

TEST_CASE("Pounds parse to pence", "[sus][tariff]") {
  CHECK(parse_pounds("1234") == 123400);
  CHECK(parse_pounds("1,234") == 123400);
  CHECK(parse_pounds("1,234,567.5") == 123456750);
  CHECK(parse_pounds("0.05") == 5);
  CHECK(parse_pounds("\xC2\xA3" "2,204") == 220400);
}

TEST_CASE("Invalid pounds rejected", "[sus][tariff]") {
  for (const char* text : {"", "-5", "1.234", "1,23", "12,3456", ",123", "1.", "abc", "1e3", "1 234",
                           "100000001", "1,,234"}) {
    INFO(text);
    CHECK_FALSE(parse_pounds(text).has_value());
  }
  CHECK(parse_pounds("100000000") == kMaxPence);
}

TEST_CASE("Pence format as pounds", "[sus][tariff]") {
  CHECK(format_pounds(123456) == "1234.56");
  CHECK(format_pounds(5) == "0.05");
  CHECK(format_pounds(0) == "0.00");
  CHECK(format_pounds(-5) == "-0.05");
}

TEST_CASE("MFF parse and format", "[sus][tariff]") {
  CHECK(parse_mff("1.051320001") == MffFactor{1'051'320'001});
  CHECK(parse_mff("1") == MffFactor{1'000'000'000});
  CHECK(parse_mff("1.1") == MffFactor{1'100'000'000});
  CHECK(format_mff(MffFactor{1'000'320'001}) == "1.000320001");
  for (const char* text : {"", "0", "0.0", "-1.0", "1.0000000001", "1e0", "NA", "11", "1."}) {
    INFO(text);
    CHECK_FALSE(parse_mff(text).has_value());
  }
}

TEST_CASE("MFF applied with rounding", "[sus][tariff]") {
  CHECK(apply_mff(100000, MffFactor{1'043'771'894}) == 104377);  // 1043.771894 pounds
  CHECK(apply_mff(100, MffFactor{1'005'000'000}) == 101);        // 100.5 rounds up
  CHECK(apply_mff(100, MffFactor{1'004'999'999}) == 100);
  CHECK(apply_mff(kMaxPence, MffFactor{kMaxMffBillionths}) == kMaxPence * 10);
}

}  // namespace
}  // namespace careid::sus::tariff
