#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_sus_config(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("sus config defaults serve nothing", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.sus.store.empty());
  CHECK(config.sus.read_activities == std::vector<std::string>{"B9600"});
  CHECK(config.sus.submit_activities == std::vector<std::string>{"B9601"});
  CHECK(config.sus.max_batch_spells == 10000);
  CHECK(config.sus.cache_seconds == 60);
}

TEST_CASE("sus config reads keys", "[base][config]") {
  auto path = write_sus_config("careid-config-sus",
                               "data_dir = \"/tmp/d\"\n[sus]\nstore = \"sus-store\"\n"
                               "read_activities = [\"B0001\", \"B0002\"]\nsubmit_activities = []\n"
                               "max_body_bytes = 65536\nmax_batch_spells = 5\nmax_extract_spells = 7\n"
                               "cache_seconds = 0\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->sus.store == "/tmp/d/sus-store");
  CHECK(config->sus.read_activities == std::vector<std::string>{"B0001", "B0002"});
  CHECK(config->sus.submit_activities.empty());
  CHECK(config->sus.max_body_bytes == 65536);
  CHECK(config->sus.max_batch_spells == 5);
  CHECK(config->sus.max_extract_spells == 7);
  CHECK(config->sus.cache_seconds == 0);
}

TEST_CASE("sus config keeps a connection URI", "[base][config]") {
  auto path = write_sus_config("careid-config-sus-uri", "[sus]\nstore = \"postgresql://sus@127.0.0.1:5432/sus\"\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->sus.store == "postgresql://sus@127.0.0.1:5432/sus");
}

TEST_CASE("sus config body limit within https", "[base][config]") {
  auto path = write_sus_config("careid-config-sus-body",
                               "[https]\nmax_body_bytes = 65536\n[sus]\nmax_body_bytes = 65537\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("sus.max_body_bytes (65537)") != std::string::npos);
  CHECK(config.status().message().find("https.max_body_bytes (65536)") != std::string::npos);
}

TEST_CASE("sus body limit follows https when unset", "[base][config]") {
  auto path = write_sus_config("careid-config-sus-body-default",
                               "[https]\nmax_body_bytes = 65536\n[sus]\nstore = \"sus\"\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE(config.ok());
  CHECK(config->sus.max_body_bytes == 65536);
}

TEST_CASE("sus config rejects unknown key", "[base][config]") {
  auto path = write_sus_config("careid-config-sus-unknown", "[sus]\nstores = \"x\"\n");
  auto config = careid::load_config(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("sus.stores") != std::string::npos);
}
