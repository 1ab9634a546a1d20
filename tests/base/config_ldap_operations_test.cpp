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

TEST_CASE("config password hash defaults", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.ldap.password_hash == "ARGON2");
  CHECK(config.ldap.password_argon2_memory_kib == 19456);
  CHECK(config.ldap.password_argon2_iterations == 2);
  CHECK(config.ldap.time_limit_seconds == 0);
}

TEST_CASE("config reads password and time keys", "[base][config]") {
  auto path = write_temp("careid-config-ops.toml",
                         "[ldap]\npassword_hash = \"SSHA256\"\npassword_argon2_memory_kib = 65536\n"
                         "password_argon2_iterations = 3\ntime_limit_seconds = 30\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.password_hash == "SSHA256");
  CHECK(config->ldap.password_argon2_memory_kib == 65536);
  CHECK(config->ldap.password_argon2_iterations == 3);
  CHECK(config->ldap.time_limit_seconds == 30);
}

TEST_CASE("config rejects unknown password scheme", "[base][config]") {
  auto path = write_temp("careid-config-scheme.toml", "[ldap]\npassword_hash = \"MD5\"\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("ldap.password_hash") != std::string::npos);
  CHECK(config.status().message().find("MD5") != std::string::npos);
}

TEST_CASE("config rejects out of range argon2 cost", "[base][config]") {
  auto path = write_temp("careid-config-argon2.toml", "[ldap]\npassword_argon2_iterations = 0\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("password_argon2_iterations") != std::string::npos);
}

TEST_CASE("config reads group commit limit", "[base][config]") {
  CHECK(careid::default_config("/srv/careid").ldap.group_commit_max_operations == 64);
  auto path = write_temp("careid-config-group-commit.toml", "[ldap]\ngroup_commit_max_operations = 1\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.group_commit_max_operations == 1);
}

TEST_CASE("config rejects zero group commit limit", "[base][config]") {
  auto path = write_temp("careid-config-group-commit-zero.toml", "[ldap]\ngroup_commit_max_operations = 0\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("group_commit_max_operations") != std::string::npos);
}
