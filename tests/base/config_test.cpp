#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("config defaults resolve under data dir", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.data_dir == "/srv/careid/data");
  CHECK(config.https.card_ca == "/srv/careid/data/pki/card-ca.pem");
  CHECK(config.ldap.port == 3389);
  CHECK(config.public_url() == "https://127.0.0.1:8443");
}

TEST_CASE("config reads keys and sections", "[base][config]") {
  auto path = write_temp("careid-config-ok.toml",
                         "data_dir = \"/tmp/d\"\n[ldap]\nport = 10389\n"
                         "indexed_attributes = [\"uid\"]\n[https]\npublic_url = \"https://idp.example\"\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.port == 10389);
  CHECK(config->ldap.indexed_attributes == std::vector<std::string>{"uid"});
  CHECK(config->saml.signing_key == "/tmp/d/pki/saml-signing.key");
  CHECK(config->public_url() == "https://idp.example");
}

TEST_CASE("config paths resolve without dot steps", "[base][config]") {
  auto folder = std::filesystem::temp_directory_path() / "careid-config-dot";
  std::filesystem::create_directories(folder);
  auto path = write_temp("careid-config-dot/careid.toml", "data_dir = \".\"\n[saml]\nsp_metadata_dir = \"./sp\"\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->data_dir == folder);
  CHECK(config->saml.sp_metadata_dir == folder / "sp");
  CHECK(config->https.card_ca == folder / "pki" / "card-ca.pem");
}

TEST_CASE("config names out of range port", "[base][config]") {
  auto path = write_temp("careid-config-port.toml", "[ldap]\nport = 70000\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("ldap.port"));
  CHECK_THAT(config.status().message(), Catch::Contains("70000"));
}

TEST_CASE("config rejects unknown key", "[base][config]") {
  auto path = write_temp("careid-config-typo.toml", "[ldap]\nprot = 1\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("ldap.prot"));
}

TEST_CASE("config rejects wrong type", "[base][config]") {
  auto path = write_temp("careid-config-type.toml", "[https]\nport = \"eight\"\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("https.port"));
}

TEST_CASE("config reports syntax error with file", "[base][config]") {
  auto path = write_temp("careid-config-syntax.toml", "[ldap\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("careid-config-syntax.toml"));
}

TEST_CASE("config reads assertion encryption lists", "[base][config]") {
  auto path = write_temp("careid-config-saml-encryption.toml",
                         "[saml]\nencrypt_assertions_for = [\"https://a.example/sp\"]\n"
                         "never_encrypt_assertions_for = [\"https://b.example/sp\"]\n");

  auto config = careid::load_config(path);

  REQUIRE(config.ok());
  CHECK(config->saml.encrypt_assertions_for == std::vector<std::string>{"https://a.example/sp"});
  CHECK(config->saml.never_encrypt_assertions_for ==
        std::vector<std::string>{"https://b.example/sp"});
  CHECK(careid::default_config("/srv/careid").saml.encrypt_assertions_for.empty());
}

TEST_CASE("config rejects SP in both encryption lists", "[base][config]") {
  auto path = write_temp("careid-config-saml-encryption-both.toml",
                         "[saml]\nencrypt_assertions_for = [\"https://a.example/sp\"]\n"
                         "never_encrypt_assertions_for = [\"https://a.example/sp\"]\n");

  auto config = careid::load_config(path);

  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("https://a.example/sp"));
}

TEST_CASE("config reads artifact binding keys", "[base][config]") {
  careid::Config defaults = careid::default_config("/srv/careid");
  CHECK(defaults.saml.artifact_lifetime_seconds == 60);
  CHECK(defaults.saml.artifact_max_outstanding == 10000);
  CHECK(defaults.saml.artifact_tls_client_auth_for.empty());

  auto path = write_temp("careid-config-saml-artifact.toml",
                         "[saml]\nartifact_lifetime_seconds = 30\n"
                         "artifact_max_outstanding = 50\nartifact_max_bytes = 1048576\n"
                         "artifact_tls_client_auth_for = [\"https://a.example/sp\"]\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->saml.artifact_lifetime_seconds == 30);
  CHECK(config->saml.artifact_max_outstanding == 50);
  CHECK(config->saml.artifact_max_bytes == 1048576);
  CHECK(config->saml.artifact_tls_client_auth_for == std::vector<std::string>{"https://a.example/sp"});

  auto too_long = write_temp("careid-config-saml-artifact-long.toml",
                             "[saml]\nartifact_lifetime_seconds = 601\n");
  auto rejected = careid::load_config(too_long);
  REQUIRE_FALSE(rejected.ok());
  CHECK_THAT(rejected.status().message(), Catch::Contains("artifact_lifetime_seconds"));
}

TEST_CASE("login fallback off by default", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK_FALSE(config.login.password_fallback);
  CHECK(config.login.totp_window_steps == 1);
  CHECK(config.login.card_only_service_providers.empty());
}

TEST_CASE("login section read", "[base][config]") {
  auto path = write_temp("careid-config-login.toml",
                         "[login]\npassword_fallback = true\ntotp_window_steps = 0\n"
                         "card_only_service_providers = [\"https://sp.example/aal3\"]\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->login.password_fallback);
  CHECK(config->login.totp_window_steps == 0);
  CHECK(config->login.card_only_service_providers ==
        std::vector<std::string>{"https://sp.example/aal3"});
}

TEST_CASE("login window out of range", "[base][config]") {
  auto path = write_temp("careid-config-login-window.toml", "[login]\ntotp_window_steps = 2\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("login.totp_window_steps"));
}
