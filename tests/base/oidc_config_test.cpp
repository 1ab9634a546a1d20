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
