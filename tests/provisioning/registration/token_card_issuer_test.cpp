// TokenCardIssuer on SoftHSM 2 tokens in a temporary data folder (card CA from create_pki, no
// careid.toml, so no audit trail). Needs Debian's softhsm2 package.
#include <catch2/catch.hpp>

#include "pki/card_registry.h"
#include "pki/layout.h"
#include "pki/pkcs11/card_token.h"
#include "pki/pkcs11/softhsm.h"
#include "provisioning/demo_setup.h"
#include "provisioning/registration/token_card_issuer.h"
#include "../../pki/pki_test_util.h"

namespace p11 = careid::pki::pkcs11;
using careid::pki::testing::TempDir;
using careid::provisioning::registration::CardOutcome;
using careid::provisioning::registration::TokenCardIssuer;
using careid::provisioning::registration::TokenCardIssuerOptions;

namespace {

constexpr const char* kSoPin = "87654321";
constexpr const char* kPin = "123456";

p11::Pin make_pin(const std::string& value) {
  auto pin = p11::Pin::from_string(value);
  REQUIRE(pin.ok());
  return std::move(*pin);
}

struct DataFolder {
  TempDir dir;

  DataFolder() { REQUIRE(careid::provisioning::create_pki(dir.path()).ok()); }

  std::unique_ptr<TokenCardIssuer> open_issuer() {
    TokenCardIssuerOptions options;
    options.data_dir = dir.path();
    auto issuer = TokenCardIssuer::open(options, make_pin(kSoPin), make_pin(kPin));
    INFO((issuer.ok() ? std::string() : issuer.status().message()));
    REQUIRE(issuer.ok());
    return std::move(*issuer);
  }

  std::vector<careid::pki::CardRecord> cards_of(const std::string& uid) {
    auto registry = careid::pki::CardRegistry::open(careid::pki::PkiLayout(dir.path()).card_registry_dir());
    REQUIRE(registry.ok());
    auto cards = (*registry)->cards_of(uid);
    REQUIRE(cards.ok());
    return *cards;
  }

  // Loads the module on the folder's tokens. At most one Module may be alive in a process.
  p11::Module load_module() {
    REQUIRE(p11::use_softhsm_tokens_of(dir.path()).ok());
    auto module = p11::Module::load(std::string(p11::kDefaultModulePath));
    REQUIRE(module.ok());
    return std::move(*module);
  }

  // The certificates on the token labelled `uid`.
  std::size_t certificates_on_token(const std::string& uid) {
    p11::Module module = load_module();
    auto contents = p11::read_token(module, p11::TokenSelector{uid, ""}, make_pin(kPin));
    REQUIRE(contents.ok());
    return contents->certificates.size();
  }
};

}  // namespace

TEST_CASE("token issuer issues one card per uid", "[provisioning][registration][pkcs11]") {
  DataFolder folder;
  const std::vector<std::string> uids = {"100000000001", "100000000002", "100000000003"};
  {
    auto issuer = folder.open_issuer();
    for (const std::string& uid : uids) {
      auto outcome = issuer->ensure_card(uid);
      INFO(uid << ": " << (outcome.ok() ? std::string() : outcome.status().message()));
      REQUIRE(outcome.ok());
      CHECK(*outcome == CardOutcome::kIssued);
    }
  }

  for (const std::string& uid : uids) {
    auto cards = folder.cards_of(uid);
    REQUIRE(cards.size() == 1);
    CHECK(cards[0].status.state == careid::pki::CardState::kGood);
    CHECK_FALSE(cards[0].token_serial.empty());
    CHECK_THAT(cards[0].subject, Catch::Contains("CN=" + uid));
    CHECK(folder.certificates_on_token(uid) == 1);
  }
}

TEST_CASE("token issuer skips uids with a card", "[provisioning][registration][pkcs11]") {
  DataFolder folder;
  {
    auto issuer = folder.open_issuer();
    REQUIRE(issuer->ensure_card("100000000001").ok());
  }
  {
    auto issuer = folder.open_issuer();
    auto again = issuer->ensure_card("100000000001");
    REQUIRE(again.ok());
    CHECK(*again == CardOutcome::kAlreadyIssued);
  }
  CHECK(folder.cards_of("100000000001").size() == 1);
}

TEST_CASE("token issuer reuses an empty token", "[provisioning][registration][pkcs11]") {
  DataFolder folder;
  {
    // An interrupted run that initialised the token but put no card on it.
    p11::Module module = folder.load_module();
    REQUIRE(p11::initialize_token(module, "100000000004", make_pin(kSoPin), make_pin(kPin)).ok());
  }
  {
    auto issuer = folder.open_issuer();
    auto outcome = issuer->ensure_card("100000000004");
    INFO((outcome.ok() ? std::string() : outcome.status().message()));
    REQUIRE(outcome.ok());
    CHECK(*outcome == CardOutcome::kIssued);
  }
  CHECK(folder.cards_of("100000000004").size() == 1);
  CHECK(folder.certificates_on_token("100000000004") == 1);
}

TEST_CASE("token issuer records unrecorded card", "[provisioning][registration][pkcs11]") {
  DataFolder folder;
  {
    // An interrupted run that put the card on the token but did not record it.
    p11::Module module = folder.load_module();
    auto token = p11::initialize_token(module, "100000000005", make_pin(kSoPin), make_pin(kPin));
    REQUIRE(token.ok());
    careid::pki::PkiLayout layout(folder.dir.path());
    auto ca = careid::pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
    REQUIRE(ca.ok());
    REQUIRE(p11::issue_card(module, *token, make_pin(kPin), *ca, "100000000005").ok());
  }
  REQUIRE(folder.cards_of("100000000005").empty());

  {
    auto issuer = folder.open_issuer();
    auto outcome = issuer->ensure_card("100000000005");
    INFO((outcome.ok() ? std::string() : outcome.status().message()));
    REQUIRE(outcome.ok());
    CHECK(*outcome == CardOutcome::kIssued);
  }
  CHECK(folder.cards_of("100000000005").size() == 1);
  CHECK(folder.certificates_on_token("100000000005") == 1);
}

TEST_CASE("token issuer rejects a wrong user PIN", "[provisioning][registration][pkcs11]") {
  DataFolder folder;
  {
    p11::Module module = folder.load_module();
    REQUIRE(p11::initialize_token(module, "100000000006", make_pin(kSoPin), make_pin("999999")).ok());
  }
  auto issuer = folder.open_issuer();
  auto outcome = issuer->ensure_card("100000000006");
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.status().code() == careid::StatusCode::kPermissionDenied);
  CHECK(folder.cards_of("100000000006").empty());
}
