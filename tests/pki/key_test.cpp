#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "pki/files.h"
#include "pki/key.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::KeyType;
using careid::pki::PrivateKey;
using careid::pki::testing::quoted;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

namespace {

unsigned file_mode(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("key generation covers every type", "[pki][key]") {
  for (KeyType type : {KeyType::kEcdsaP256, KeyType::kRsa2048, KeyType::kRsa3072}) {
    INFO(careid::pki::key_type_name(type));
    auto key = PrivateKey::generate(type);
    REQUIRE(key.ok());
    REQUIRE(key->type().has_value());
    CHECK(*key->type() == type);

    auto pem = key->to_pem();
    REQUIRE(pem.ok());
    CHECK(pem->starts_with("-----BEGIN PRIVATE KEY-----"));
    auto back = PrivateKey::from_pem(*pem);
    REQUIRE(back.ok());
    CHECK(back->type() == type);
  }
}

TEST_CASE("key type names parse", "[pki][key]") {
  CHECK(careid::pki::parse_key_type("ecdsa-p256") == KeyType::kEcdsaP256);
  CHECK(careid::pki::parse_key_type("rsa-2048") == KeyType::kRsa2048);
  CHECK(careid::pki::parse_key_type("rsa-3072") == KeyType::kRsa3072);
  CHECK_FALSE(careid::pki::parse_key_type("rsa-1024").has_value());
  CHECK_FALSE(careid::pki::parse_key_type("").has_value());
}

TEST_CASE("key file is created with mode 0600", "[pki][key]") {
  TempDir dir;
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto path = dir / "card.key";

  REQUIRE(key->write_pem_file(path).ok());
  CHECK(file_mode(path) == 0600);

  auto loaded = PrivateKey::load_pem_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->type() == KeyType::kEcdsaP256);

  // The openssl tool reads the same file and finds the key consistent.
  auto [status, output] = run_command("openssl pkey -in " + quoted(path) + " -check -noout");
  INFO(output);
  CHECK(status == 0);
}

TEST_CASE("key file is never overwritten", "[pki][key]") {
  TempDir dir;
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto path = dir / "existing.key";
  REQUIRE(careid::pki::write_public_file(path, "old").ok());

  careid::Status status = key->write_pem_file(path);
  CHECK(status.code() == StatusCode::kAlreadyExists);
  auto contents = careid::pki::read_public_file(path);
  REQUIRE(contents.ok());
  CHECK(*contents == "old");

  // A symbolic link planted at the path is not followed.
  auto link = dir / "link.key";
  std::filesystem::create_symlink(dir / "target.key", link);
  CHECK(key->write_pem_file(link).code() == StatusCode::kAlreadyExists);
  CHECK_FALSE(std::filesystem::exists(dir / "target.key"));
}

TEST_CASE("key file readable by others is rejected", "[pki][key]") {
  TempDir dir;
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto path = dir / "loose.key";
  REQUIRE(key->write_pem_file(path).ok());

  for (unsigned mode : {0644u, 0640u, 0604u, 0620u, 0602u}) {
    INFO("mode " << std::oct << mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    auto loaded = PrivateKey::load_pem_file(path);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600"));
    CHECK_THAT(loaded.status().message(), Catch::Contains(path.string()));
  }

  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(PrivateKey::load_pem_file(path).ok());
}

TEST_CASE("key load reports missing file", "[pki][key]") {
  TempDir dir;
  auto loaded = PrivateKey::load_pem_file(dir / "absent.key");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kNotFound);

  auto folder = PrivateKey::load_pem_file(dir.path());
  REQUIRE_FALSE(folder.ok());
}

TEST_CASE("key PEM truncated at each line fails", "[pki][key]") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto pem = key->to_pem();
  REQUIRE(pem.ok());

  for (std::size_t cut = 0; cut + 1 < pem->size(); cut += 7) {
    INFO("cut at " << cut);
    auto parsed = PrivateKey::from_pem(std::string_view(*pem).substr(0, cut));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  }
  CHECK_FALSE(PrivateKey::from_pem("").ok());
  CHECK_FALSE(
      PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n").ok());
}

TEST_CASE("key PEM encrypted is rejected", "[pki][key]") {
  TempDir dir;
  auto path = dir / "encrypted.key";
  auto [status, output] = run_command(
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
      "-pass pass:secret -out " +
      quoted(path) + " </dev/null");
  INFO(output);
  REQUIRE(status == 0);

  // Loading must fail instead of prompting for a passphrase on the terminal.
  auto loaded = PrivateKey::load_pem_file(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(loaded.status().message(), Catch::Contains("encrypted"));
}

TEST_CASE("key of other curve has no type", "[pki][key]") {
  TempDir dir;
  auto path = dir / "p384.key";
  auto [status, output] = run_command(
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " + quoted(path));
  INFO(output);
  REQUIRE(status == 0);
  REQUIRE(::chmod(path.c_str(), 0600) == 0);

  auto loaded = PrivateKey::load_pem_file(path);
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->type().has_value());
}
