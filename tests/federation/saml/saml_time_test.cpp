#include "federation/saml/saml_time.h"

#include <catch2/catch.hpp>

#include "federation/saml/authn_request.h"
#include "tests/federation/saml/saml_test_support.h"

namespace saml = careid::federation::saml;

TEST_CASE("instant formats and parses", "[federation][saml]") {
  auto now = careid::testing::fixed_now();
  CHECK(saml::format_instant(now) == "2026-03-01T12:00:00Z");
  CHECK(saml::format_instant(now + std::chrono::milliseconds(999)) == "2026-03-01T12:00:00Z");
  CHECK(saml::parse_instant("2026-03-01T12:00:00Z") == now);
  CHECK(saml::parse_instant("2026-03-01T12:00:00.123Z") == now);
  CHECK(saml::parse_instant("2026-03-01T12:00:00") == now);
  CHECK(saml::parse_instant("2024-02-29T00:00:00Z").has_value());
}

TEST_CASE("invalid instants rejected", "[federation][saml]") {
  for (const char* bad : {"", "2026-03-01", "2026-03-01T12:00:00+01:00", "2026-02-30T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T12:00:00.Z",
                          "2026-03-01T12:00:00ZZ", "2026-03-01 12:00:00Z", "2O26-03-01T12:00:00Z"}) {
    INFO(bad);
    CHECK(!saml::parse_instant(bad).has_value());
  }
}

TEST_CASE("xs:ID validity checks", "[federation][saml]") {
  CHECK(saml::is_valid_id("_abc"));
  CHECK(saml::is_valid_id("a1.b-c_d"));
  CHECK(!saml::is_valid_id(""));
  CHECK(!saml::is_valid_id("1abc"));
  CHECK(!saml::is_valid_id("-abc"));
  CHECK(!saml::is_valid_id("a b"));
  CHECK(!saml::is_valid_id("a:b"));
  CHECK(saml::is_valid_id(std::string(256, 'a')));
  CHECK(!saml::is_valid_id(std::string(257, 'a')));
}
