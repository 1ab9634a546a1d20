#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

std::filesystem::path write_audit_config(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::string& name, const std::string& text) {
  auto config = careid::load_config(write_audit_config(name, text));
  return config.ok() ? "" : config.status().message();
}

}  // namespace

TEST_CASE("audit config defaults", "[base][config]") {
  careid::Config config = careid::default_config("/srv/careid");
  CHECK(config.audit.file == "/srv/careid/data/audit/audit.log");
  CHECK(config.audit.fsync == "group");
  CHECK(config.audit.group_commit_ms == 10);
  CHECK(config.audit.queue_records == 4096);
  CHECK(config.audit.max_file_mib == 64);
  CHECK(config.audit.hmac_key_file.empty());
}

TEST_CASE("audit config reads every key", "[base][config]") {
  auto path = write_audit_config("careid-config-audit.toml",
                                 "data_dir = \"/tmp/d\"\n[audit]\nfile = \"trail/a.log\"\nfsync = \"record\"\n"
                                 "group_commit_ms = 50\nqueue_records = 10\nmax_file_mib = 0\n"
                                 "hmac_key_file = \"/keys/audit.key\"\n");
  auto config = careid::load_config(path);
  REQUIRE(config.ok());
  CHECK(config->audit.file == "/tmp/d/trail/a.log");
  CHECK(config->audit.fsync == "record");
  CHECK(config->audit.group_commit_ms == 50);
  CHECK(config->audit.queue_records == 10);
  CHECK(config->audit.max_file_mib == 0);
  CHECK(config->audit.hmac_key_file == "/keys/audit.key");
}

TEST_CASE("audit config empty file disables", "[base][config]") {
  auto config = careid::load_config(write_audit_config("careid-config-audit-off.toml", "[audit]\nfile = \"\"\n"));
  REQUIRE(config.ok());
  CHECK(config->audit.file.empty());
}

TEST_CASE("audit config rejects bad values", "[base][config]") {
  CHECK(load_error("careid-audit-bad1.toml", "[audit]\nfsync = \"always\"\n").find("audit.fsync: unknown policy 'always'") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad2.toml", "[audit]\ngroup_commit_ms = 0\n").find("audit.group_commit_ms") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad3.toml", "[audit]\ngroup_commit_ms = 10001\n").find("audit.group_commit_ms") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad4.toml", "[audit]\nqueue_records = 0\n").find("audit.queue_records") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad5.toml", "[audit]\nmax_file_mib = -1\n").find("audit.max_file_mib") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad6.toml", "[audit]\nfsync = 1\n").find("audit.fsync: value has the wrong type") !=
        std::string::npos);
  CHECK(load_error("careid-audit-bad7.toml", "[audit]\nfsnyc = \"group\"\n").find("audit.fsnyc: unknown key") !=
        std::string::npos);
}
