#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_config(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("ldap tls defaults resolve under data dir", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.ldap.ldaps_port == 0);
  CHECK(config.ldap.tls_certificate == "/srv/careid/data/pki/server.pem");
  CHECK(config.ldap.tls_private_key == "/srv/careid/data/pki/server.key");
  CHECK(config.ldap.tls_ca == "/srv/careid/data/pki/card-ca.pem");
  CHECK(config.ldap.max_outstanding_operations == 64);
  CHECK(config.ldap.write_timeout_seconds == 60);
}

TEST_CASE("ldap tls keys are read", "[base][config]") {
  auto path = write_config("careid-ldap-tls", "data_dir = \"/tmp/d\"\n[ldap]\nldaps_port = 6636\n"
                                              "tls_certificate = \"c.pem\"\ntls_private_key = \"/k/c.key\"\n"
                                              "max_outstanding_operations = 8\nwrite_timeout_seconds = 0\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.ldaps_port == 6636);
  CHECK(config->ldap.tls_certificate == "/tmp/d/c.pem");
  CHECK(config->ldap.tls_private_key == "/k/c.key");
  CHECK(config->ldap.max_outstanding_operations == 8);
  CHECK(config->ldap.write_timeout_seconds == 0);
}

TEST_CASE("empty tls certificate disables tls", "[base][config]") {
  auto path = write_config("careid-ldap-notls", "[ldap]\ntls_certificate = \"\"\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.tls_certificate.empty());
}

TEST_CASE("ldaps without certificate is rejected", "[base][config]") {
  auto path = write_config("careid-ldaps-nocert", "[ldap]\nldaps_port = 6636\ntls_certificate = \"\"\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("ldap.ldaps_port"));
}

TEST_CASE("outstanding operations out of range", "[base][config]") {
  auto path = write_config("careid-ldap-outstanding", "[ldap]\nmax_outstanding_operations = 0\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("ldap.max_outstanding_operations"));
}

TEST_CASE("ldap inline candidates key is read", "[base][config]") {
  CHECK(careid::default_config("/srv/careid").ldap.inline_max_candidates == 64);

  auto path = write_config("careid-ldap-inline", "[ldap]\ninline_max_candidates = 0\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.inline_max_candidates == 0);

  auto too_large = write_config("careid-ldap-inline-large", "[ldap]\ninline_max_candidates = 100001\n");
  auto rejected = careid::load_config(too_large);
  std::filesystem::remove(too_large);
  CHECK_FALSE(rejected.ok());
}

TEST_CASE("ldap worker threads key is read", "[base][config]") {
  CHECK(careid::default_config("/srv/careid").ldap.worker_threads == 16);

  auto path = write_config("careid-ldap-workers", "[ldap]\nworker_threads = 4\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.worker_threads == 4);

  auto zero = write_config("careid-ldap-workers-zero", "[ldap]\nworker_threads = 0\n");
  auto rejected = careid::load_config(zero);
  std::filesystem::remove(zero);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().message().find("worker_threads") != std::string::npos);
}
