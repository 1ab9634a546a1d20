// ldap.indexes: index kinds per attribute, and how they combine with indexed_attributes.
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_config(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

using Indexes = std::vector<std::pair<std::string, std::vector<std::string>>>;

Indexes sorted(Indexes indexes) {
  std::sort(indexes.begin(), indexes.end());
  return indexes;
}

}  // namespace

TEST_CASE("config reads index kinds", "[base][config]") {
  auto path = write_config("careid-config-indexes",
                           "[ldap]\nindexes = { uid = [\"eq\", \"pres\"], cn = [\"eq\", \"sub\"] }\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(sorted(config->ldap.indexes) == Indexes{{"cn", {"eq", "sub"}}, {"uid", {"eq", "pres"}}});
  // indexes alone replaces the default indexed_attributes list.
  CHECK(config->ldap.indexed_attributes.empty());
  std::filesystem::remove(path);
}

TEST_CASE("config keeps both index keys", "[base][config]") {
  auto path = write_config("careid-config-both",
                           "[ldap]\nindexed_attributes = [\"objectClass\"]\n"
                           "[ldap.indexes]\nmail = [\"sub\"]\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->ldap.indexed_attributes == std::vector<std::string>{"objectClass"});
  CHECK(config->ldap.indexes == Indexes{{"mail", {"sub"}}});
  std::filesystem::remove(path);
}

TEST_CASE("config rejects malformed indexes", "[base][config]") {
  auto path = write_config("careid-config-bad-indexes", "[ldap]\nindexes = { cn = \"eq\" }\n");
  auto config = careid::load_config(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("ldap.indexes") != std::string::npos);
  std::filesystem::remove(path);
}
