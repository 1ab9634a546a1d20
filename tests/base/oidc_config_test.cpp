#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_oidc_config(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("oidc config defaults", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  REQUIRE(config.oidc.signing_keys.size() == 1);
  CHECK(config.oidc.signing_keys[0] == "/srv/careid/data/pki/oidc-signing.key");
  CHECK(config.oidc.clients_dir == "/srv/careid/data/oidc-clients");
  CHECK(config.oidc.code_lifetime_seconds == 60);
  CHECK(config.oidc.issuer.empty());
}

TEST_CASE("oidc config reads keys", "[base][config]") {
  auto path = write_oidc_config("careid-config-oidc.toml",
                                "data_dir = \"/tmp/d\"\n[oidc]\nissuer = \"https://idp.example\"\n"
                                "signing_keys = [\"pki/new.key\", \"/keys/old.key\"]\n"
                                "code_lifetime_seconds = 30\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->oidc.issuer == "https://idp.example");
  REQUIRE(config->oidc.signing_keys.size() == 2);
  CHECK(config->oidc.signing_keys[0] == "/tmp/d/pki/new.key");
  CHECK(config->oidc.signing_keys[1] == "/keys/old.key");
  CHECK(config->oidc.code_lifetime_seconds == 30);
}

TEST_CASE("oidc config rejects long code lifetime", "[base][config]") {
  auto path = write_oidc_config("careid-config-oidc-long.toml",
                                "[oidc]\ncode_lifetime_seconds = 601\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("oidc.code_lifetime_seconds") != std::string::npos);
}

TEST_CASE("oidc config reads store bounds", "[base][config]") {
  careid::Config defaults = careid::default_config("/srv/careid");
  CHECK(defaults.oidc.max_codes == 10000);
  CHECK(defaults.oidc.max_token_families == 100000);
  CHECK(defaults.oidc.max_assertion_ids == 100000);
  CHECK(defaults.oidc.backchannel_logout_timeout_seconds == 5);

  auto path = write_oidc_config("careid-config-oidc-bounds.toml",
                                "[oidc]\nmax_codes = 50\nmax_token_families = 60\n"
                                "max_assertion_ids = 70\nbackchannel_logout_timeout_seconds = 2\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->oidc.max_codes == 50);
  CHECK(config->oidc.max_token_families == 60);
  CHECK(config->oidc.max_assertion_ids == 70);
  CHECK(config->oidc.backchannel_logout_timeout_seconds == 2);

  for (const char* bad : {"max_codes = 0", "max_token_families = -1", "max_assertion_ids = 0",
                          "backchannel_logout_timeout_seconds = 61"}) {
    INFO(bad);
    auto rejected = careid::load_config(
        write_oidc_config("careid-config-oidc-bad-bound.toml", std::string("[oidc]\n") + bad + "\n"));
    REQUIRE_FALSE(rejected.ok());
    std::string key = std::string(bad).substr(0, std::string(bad).find(' '));
    CHECK(rejected.status().message().find("oidc." + key) != std::string::npos);
  }
}
