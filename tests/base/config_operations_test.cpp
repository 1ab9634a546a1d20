#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

careid::Result<careid::Config> load_text(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return careid::load_config(path);
}

}  // namespace

TEST_CASE("config operations defaults", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.metrics.listen.empty());
  CHECK(config.https.max_connections == 1024);
  CHECK(config.https.max_handshakes == 128);
  CHECK(config.https.listen_backlog == 512);
  CHECK(config.https.handshake_timeout_seconds == 10);
  CHECK(config.shutdown_timeout_seconds == 5);
}

TEST_CASE("config reads https overload keys", "[base][config]") {
  auto config = load_text("careid-config-https-overload.toml",
                          "[https]\nmax_handshakes = 16\nlisten_backlog = 64\n"
                          "handshake_timeout_seconds = 3\n");
  REQUIRE(config.ok());
  CHECK(config->https.max_handshakes == 16);
  CHECK(config->https.listen_backlog == 64);
  CHECK(config->https.handshake_timeout_seconds == 3);

  auto zero = load_text("careid-config-https-handshakes.toml", "[https]\nmax_handshakes = 0\n");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.status().message().find("https.max_handshakes") != std::string::npos);
}

TEST_CASE("config reads operations keys", "[base][config]") {
  auto config = load_text("careid-config-operations.toml",
                          "shutdown_timeout_seconds = 30\n[https]\nmax_connections = 64\n"
                          "[metrics]\nlisten = \"127.0.0.1:9464\"\n");
  REQUIRE(config.ok());
  CHECK(config->shutdown_timeout_seconds == 30);
  CHECK(config->https.max_connections == 64);
  CHECK(config->metrics.listen == "127.0.0.1:9464");
}

TEST_CASE("config rejects bad metrics listen", "[base][config]") {
  for (const char* listen : {"127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:http", "127.0.0.1:70000"}) {
    INFO("listen = " << listen);
    auto config = load_text("careid-config-metrics-bad.toml", std::string("[metrics]\nlisten = \"") + listen + "\"\n");
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().message().find("metrics.listen") != std::string::npos);
  }
}

TEST_CASE("config rejects unknown metrics key", "[base][config]") {
  auto config = load_text("careid-config-metrics-key.toml", "[metrics]\nport = 9464\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("metrics.port") != std::string::npos);
}

TEST_CASE("config rejects zero https max connections", "[base][config]") {
  auto config = load_text("careid-config-https-max.toml", "[https]\nmax_connections = 0\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("https.max_connections") != std::string::npos);
}
