// Invalid UTF-8 in TOML text, which the oidc_client and config fuzz targets found. toml11
// 3.7.1 reads past the end of its buffer while it reports invalid UTF-8 inside a literal
// string, so parse_toml and load_config must reject such text before toml11 parses it.
#include "base/toml_text.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "base/config.h"
#include "base/utf8.h"

namespace careid {
namespace {

// A literal string key holding the lead byte of a three-byte sequence, at the end of input.
constexpr std::string_view kTruncatedLiteralKey = "'\xE0'";

TEST_CASE("parse_toml rejects invalid UTF-8", "[base][toml]") {
  Result<toml::value> parsed = parse_toml(kTruncatedLiteralKey, "crash.toml");

  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(parsed.status().message(), Catch::Contains("UTF-8"));
}

TEST_CASE("parse_toml reads valid text", "[base][toml]") {
  Result<toml::value> parsed = parse_toml("name = \"caf\xC3\xA9\"\n[ldap]\nport = 389\n", "ok.toml");

  REQUIRE(parsed.ok());
  CHECK(toml::find<std::string>(*parsed, "name") == "caf\xC3\xA9");
  CHECK(toml::find<int>(*parsed, "ldap", "port") == 389);
}

TEST_CASE("parse_toml reports syntax errors", "[base][toml]") {
  Result<toml::value> parsed = parse_toml("port = \n", "broken.toml");

  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(parsed.status().message(), Catch::Contains("broken.toml"));
}

TEST_CASE("load_config rejects invalid UTF-8", "[base][config][toml]") {
  auto path = std::filesystem::temp_directory_path() / "careid-config-utf8.toml";
  std::ofstream(path, std::ios::binary) << kTruncatedLiteralKey;

  Result<Config> config = load_config(path);

  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains(path.string()));
  CHECK_THAT(config.status().message(), Catch::Contains("UTF-8"));
  std::filesystem::remove(path);
}

TEST_CASE("load_config names a missing file", "[base][config][toml]") {
  auto path = std::filesystem::temp_directory_path() / "careid-config-missing-file.toml";
  std::filesystem::remove(path);

  Result<Config> config = load_config(path);

  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("cannot read the file"));
}

TEST_CASE("is_valid_utf8 truncated and overlong", "[base][utf8]") {
  CHECK(is_valid_utf8("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_utf8("\xE0"));
  CHECK_FALSE(is_valid_utf8("\xE0\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
}

}  // namespace
}  // namespace careid
