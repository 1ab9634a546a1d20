// [[saml.metadata_sources]] and [card_login] in careidd's configuration.
#include <fstream>

#include <catch2/catch.hpp>

#include "base/config.h"

namespace {

careid::Result<careid::Config> load(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return careid::load_config(path);
}

constexpr const char* kSource =
    "data_dir = \"/tmp/d\"\n"
    "[[saml.metadata_sources]]\n"
    "name = \"uk-federation\"\n"
    "url = \"https://metadata.example/aggregate.xml\"\n"
    "signing_certificates = [\"pki/federation.pem\", \"/etc/next.pem\"]\n"
    "refresh_interval_seconds = 600\n";

void check_rejected(const std::string& name, const std::string& text, const std::string& expected) {
  auto config = load(name, text);
  REQUIRE_FALSE(config.ok());
  INFO(config.status().message());
  CHECK(config.status().message().find(expected) != std::string::npos);
}

}  // namespace

TEST_CASE("config reads metadata sources", "[base][config][metadata]") {
  auto config = load("careid-metadata-ok.toml", kSource);
  REQUIRE(config.ok());
  REQUIRE(config->saml.metadata_sources.size() == 1);
  const careid::MetadataSourceConfig& source = config->saml.metadata_sources[0];
  CHECK(source.name == "uk-federation");
  CHECK(source.signing_certificates ==
        std::vector<std::filesystem::path>{"/tmp/d/pki/federation.pem", "/etc/next.pem"});
  CHECK(source.refresh_interval_seconds == 600);
  CHECK(source.max_cache_age_seconds == 7 * 24 * 3600);
  CHECK(config->saml.metadata_cache_dir == "/tmp/d/sp-metadata-cache");
}

TEST_CASE("config rejects bad metadata sources", "[base][config][metadata]") {
  std::string source(kSource);
  check_rejected("careid-metadata-key.toml", source + "refresh = 5\n",
                 "saml.metadata_sources[0].refresh: unknown key");
  check_rejected("careid-metadata-url.toml",
                 std::string("[[saml.metadata_sources]]\nname = \"a\"\nurl = \"ftp://x\"\n"
                             "signing_certificates = [\"a.pem\"]\n"),
                 "saml.metadata_sources[0].url");
  check_rejected("careid-metadata-name.toml",
                 std::string("[[saml.metadata_sources]]\nname = \"../x\"\nurl = \"http://x\"\n"
                             "signing_certificates = [\"a.pem\"]\n"),
                 "saml.metadata_sources[0].name");
  check_rejected("careid-metadata-certs.toml",
                 std::string("[[saml.metadata_sources]]\nname = \"a\"\nurl = \"http://x\"\n"),
                 "signing_certificates");
  check_rejected("careid-metadata-age.toml", source + "max_cache_age_seconds = 300\n",
                 "max_cache_age_seconds");
  check_rejected("careid-metadata-twice.toml", source + source.substr(source.find("[[")),
                 "unique name");
  check_rejected("careid-metadata-table.toml", "[saml]\nmetadata_sources = 3\n", "metadata_sources");
}

TEST_CASE("config reads card login mapping", "[base][config][card_mapping]") {
  auto defaults = load("careid-card-default.toml", "");
  REQUIRE(defaults.ok());
  CHECK(defaults->card_login.mapping == "subject_cn");

  auto san = load("careid-card-san.toml",
                  "[card_login]\nmapping = \"san\"\nsan_type = \"upn\"\n"
                  "directory_attribute = \"userPrincipalName\"\n");
  REQUIRE(san.ok());
  CHECK(san->card_login.san_type == "upn");
  CHECK(san->card_login.directory_attribute == "userPrincipalName");
}

TEST_CASE("config rejects bad card login mapping", "[base][config][card_mapping]") {
  check_rejected("careid-card-mode.toml", "[card_login]\nmapping = \"subject_dn\"\n", "card_login.mapping");
  check_rejected("careid-card-san.toml", "[card_login]\nsan_type = \"dns\"\n", "card_login.san_type");
  check_rejected("careid-card-attr.toml", "[card_login]\ndirectory_attribute = \"mail)(uid=*\"\n",
                 "card_login.directory_attribute");
  check_rejected("careid-card-match.toml", "[card_login]\ncertificate_match = \"sha1\"\n",
                 "card_login.certificate_match");
  check_rejected("careid-card-key.toml", "[card_login]\nmaping = \"san\"\n", "card_login.maping");
}
