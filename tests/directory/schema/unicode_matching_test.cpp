// RFC 4518 string preparation beyond ASCII: Unicode case folding for caseIgnore rules and
// NFKC for every string rule.
#include <catch2/catch.hpp>
#include <string>

#include "directory/schema/matching.h"
#include "directory/schema/unicode_fold.h"
#include "schema_fixture.h"

namespace schema = careid::directory::schema;
using schema::testing::attribute;
using schema::testing::real_schema;

namespace {

bool equal(const char* attribute_name, std::string_view a, std::string_view b) {
  auto result = schema::values_equal(real_schema(), attribute(attribute_name), a, b);
  REQUIRE(result.ok());
  return *result;
}

}  // namespace

TEST_CASE("caseIgnore folds accented capitals", "[directory][schema][unicode]") {
  CHECK(equal("cn", "ÉLODIE", "élodie"));
  CHECK(equal("cn", "Ånström", "ÅNSTRÖM"));
  CHECK(equal("cn", "ΣΟΦΙΑ", "σοφια"));
  CHECK(equal("cn", "STRASSE", "straße"));  // full case folding maps ß to ss
  CHECK_FALSE(equal("cn", "élodie", "elodie"));  // accents stay significant
}

TEST_CASE("string rules apply NFKC", "[directory][schema][unicode]") {
  // "é" precomposed (U+00E9) and decomposed (e + U+0301) are one value.
  CHECK(equal("cn", "\xC3\xA9lodie", "e\xCC\x81lodie"));
  // NO-BREAK SPACE becomes SPACE, and then the space handling applies.
  CHECK(equal("cn", "Anne\xC2\xA0Smith", "anne  smith"));
  // Compatibility forms: the "ﬁ" ligature (U+FB01) is "fi" under NFKC.
  CHECK(equal("cn", "\xEF\xAC\x81nn", "finn"));
}

TEST_CASE("caseExact keeps case beyond ASCII", "[directory][schema][unicode]") {
  CHECK(schema::prepare_unicode("ÉLODIE", false) == "ÉLODIE");
  CHECK(schema::prepare_unicode("e\xCC\x81", false) == "\xC3\xA9");
  CHECK(schema::prepare_unicode("ÉLODIE", true) == "élodie");
}

TEST_CASE("invalid UTF-8 compares as bytes", "[directory][schema][unicode]") {
  CHECK(schema::prepare_unicode("\xC3(", true) == "\xC3(");
  CHECK(schema::prepare_unicode("\xFF\xFE", true) == "\xFF\xFE");
  CHECK(schema::prepare_unicode("ABC", true) == "abc");
}

TEST_CASE("substrings match folded parts", "[directory][schema][unicode]") {
  schema::SubstringAssertion assertion;
  assertion.initial = "ÉLO";
  auto result = schema::match_substrings(real_schema(), attribute("cn"), "élodie Durand", assertion);
  REQUIRE(result.ok());
  CHECK(*result);
}
