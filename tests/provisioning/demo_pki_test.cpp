// create_pki: the key types of the card CA and the SAML signing key that demo setup picks.
#include <catch2/catch.hpp>

#include "pki/key.h"
#include "pki/layout.h"
#include "provisioning/demo_setup.h"
#include "../pki/pki_test_util.h"

using careid::pki::KeyType;
using careid::pki::PrivateKey;
using careid::pki::testing::TempDir;

namespace {

KeyType saml_key_type_in(const TempDir& dir) {
  auto key = PrivateKey::load_pem_file(careid::pki::PkiLayout(dir.path()).saml_signing_key());
  REQUIRE(key.ok());
  REQUIRE(key->type().has_value());
  return *key->type();
}

}  // namespace

TEST_CASE("demo PKI signs SAML with RSA-2048 unless asked otherwise", "[provisioning][pki]") {
  TempDir dir;
  REQUIRE(careid::provisioning::create_pki(dir.path()).ok());
  CHECK(saml_key_type_in(dir) == KeyType::kRsa2048);
}

TEST_CASE("demo PKI can sign SAML with ECDSA P-256", "[provisioning][pki]") {
  TempDir dir;
  REQUIRE(careid::provisioning::create_pki(dir.path(), KeyType::kEcdsaP256, KeyType::kEcdsaP256).ok());
  CHECK(saml_key_type_in(dir) == KeyType::kEcdsaP256);
}
