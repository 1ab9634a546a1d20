// Card issuance on a SoftHSM 2 token in a temporary folder. Needs Debian's softhsm2 package
// (scripts/install-deps.sh installs it).
#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/pkcs11/card_token.h"
#include "pki/pkcs11/softhsm.h"
#include "../ca_fixture.h"
#include "../pki_test_util.h"

namespace p11 = careid::pki::pkcs11;
using careid::StatusCode;
using careid::pki::CertificateAuthority;
using careid::pki::KeyType;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

constexpr const char* kUid = "555000000001";
constexpr const char* kLabel = "careid-test";

p11::Pin make_pin(const std::string& value) {
  auto pin = p11::Pin::from_string(value);
  REQUIRE(pin.ok());
  return std::move(*pin);
}

// A SoftHSM token folder with one initialised token: SO PIN 87654321, user PIN 123456.
struct TokenFixture {
  TempDir dir;
  p11::Module module = load();
  p11::TokenSelector token{kLabel, ""};
  p11::Pin so_pin = make_pin("87654321");
  p11::Pin pin = make_pin("123456");
  CertificateAuthority ca = make_ca();

  TokenFixture() {
    auto initialized = p11::initialize_token(module, kLabel, so_pin, pin);
    REQUIRE(initialized.ok());
  }

  p11::Module load() {
    REQUIRE(p11::use_softhsm_tokens_of(dir.path()).ok());
    auto loaded = p11::Module::load(std::string(p11::kDefaultModulePath));
    INFO((loaded.ok() ? std::string() : loaded.status().message()));
    REQUIRE(loaded.ok());
    return std::move(*loaded);
  }

  std::vector<p11::ObjectInfo> objects() {
    auto contents = p11::read_token(module, token, make_pin("123456"));
    REQUIRE(contents.ok());
    return contents->objects;
  }
};

}  // namespace

TEST_CASE("init token sets label and PINs", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto found = fixture.module.find_token(fixture.token);
  REQUIRE(found.ok());
  CHECK(found->initialized);
  CHECK(found->user_pin_initialized);
  CHECK_FALSE(found->serial.empty());

  auto again = fixture.module.init_token(kLabel, fixture.so_pin);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("issue card keeps key on token", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto card = p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid);
  REQUIRE(card.ok());
  auto info = card->certificate.info();
  REQUIRE(info.ok());
  CHECK(info->subject == "CN=555000000001,OU=people,O=nhs");
  CHECK(info->key_type == "ecdsa-p256");
  CHECK(careid::pki::verify_certificate(card->certificate, fixture.ca.certificate()).ok());
  CHECK(card->object_id.size() == p11::kCardObjectIdBytes);

  auto objects = fixture.objects();
  REQUIRE(objects.size() == 3);
  int private_keys = 0;
  for (const auto& object : objects) {
    CHECK(object.label == kUid);
    CHECK(object.id == card->object_id);
    if (object.object_class == p11::ObjectClass::kPrivateKey) {
      ++private_keys;
      CHECK(object.sensitive);
      CHECK_FALSE(object.extractable);
      CHECK(object.never_extractable);
      CHECK(object.always_sensitive);
    }
  }
  CHECK(private_keys == 1);
}

TEST_CASE("issue card with rsa key", "[pki][pkcs11]") {
  TokenFixture fixture;
  p11::CardKeyOptions options;
  options.key_type = KeyType::kRsa2048;
  auto card = p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid, options);
  REQUIRE(card.ok());
  auto info = card->certificate.info();
  REQUIRE(info.ok());
  CHECK(info->key_type == "rsa-2048");
}

TEST_CASE("issue card twice is AlreadyExists", "[pki][pkcs11]") {
  TokenFixture fixture;
  REQUIRE(p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid).ok());
  auto second = p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kAlreadyExists);
  CHECK(fixture.objects().size() == 3);
}

TEST_CASE("issue card rejects bad uid and PIN", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto bad_uid = p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, "12345");
  REQUIRE_FALSE(bad_uid.ok());
  CHECK(bad_uid.status().code() == StatusCode::kInvalidArgument);

  auto bad_pin = p11::issue_card(fixture.module, fixture.token, make_pin("000000"), fixture.ca, kUid);
  REQUIRE_FALSE(bad_pin.ok());
  CHECK(bad_pin.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(bad_pin.status().message(), Catch::Contains("CKR_PIN_INCORRECT"));
  CHECK(fixture.objects().empty());

  p11::TokenSelector missing{"no-such-token", ""};
  auto no_token = p11::issue_card(fixture.module, missing, fixture.pin, fixture.ca, kUid);
  REQUIRE_FALSE(no_token.ok());
  CHECK(no_token.status().code() == StatusCode::kNotFound);
  CHECK_THAT(no_token.status().message(), Catch::Contains(kLabel));
}

TEST_CASE("renew card replaces key and certificate", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto first = p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid);
  REQUIRE(first.ok());
  auto renewed = p11::renew_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid);
  REQUIRE(renewed.ok());
  CHECK(renewed->replaced.info()->serial_hex == first->certificate.info()->serial_hex);
  CHECK(renewed->card.certificate.info()->serial_hex != first->certificate.info()->serial_hex);
  CHECK(renewed->card.object_id != first->object_id);

  auto objects = fixture.objects();
  REQUIRE(objects.size() == 3);
  for (const auto& object : objects) {
    CHECK(object.id == renewed->card.object_id);
  }
}

TEST_CASE("renew without card is NotFound", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto renewed = p11::renew_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid);
  REQUIRE_FALSE(renewed.ok());
  CHECK(renewed.status().code() == StatusCode::kNotFound);
}

TEST_CASE("reset user PIN with SO PIN", "[pki][pkcs11]") {
  TokenFixture fixture;
  auto wrong_so = p11::reset_user_pin(fixture.module, fixture.token, make_pin("11111111"),
                                      make_pin("654321"));
  CHECK(wrong_so.code() == StatusCode::kPermissionDenied);

  REQUIRE(p11::reset_user_pin(fixture.module, fixture.token, fixture.so_pin, make_pin("654321")).ok());
  auto old_pin = p11::read_token(fixture.module, fixture.token, make_pin("123456"));
  REQUIRE_FALSE(old_pin.ok());
  CHECK(old_pin.status().code() == StatusCode::kPermissionDenied);
  CHECK(p11::read_token(fixture.module, fixture.token, make_pin("654321")).ok());
}

TEST_CASE("read token without PIN hides private key", "[pki][pkcs11]") {
  TokenFixture fixture;
  REQUIRE(p11::issue_card(fixture.module, fixture.token, fixture.pin, fixture.ca, kUid).ok());
  auto contents = p11::read_token(fixture.module, fixture.token, std::nullopt);
  REQUIRE(contents.ok());
  CHECK(contents->objects.size() == 2);
  REQUIRE(contents->certificates.size() == 1);
  CHECK(contents->certificates.front().second.info()->subject_cn == kUid);
}

TEST_CASE("pin file must be private", "[pki][pkcs11]") {
  TempDir dir;
  auto path = dir / "pin";
  {
    std::ofstream out(path);
    out << "123456\n";
  }
  ::chmod(path.c_str(), 0644);
  auto open = p11::Pin::from_file(path);
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().code() == StatusCode::kFailedPrecondition);

  ::chmod(path.c_str(), 0600);
  auto pin = p11::Pin::from_file(path);
  REQUIRE(pin.ok());
  CHECK(pin->value() == "123456");

  CHECK(p11::Pin::from_string("").status().code() == StatusCode::kInvalidArgument);
  CHECK(p11::Pin::from_string("12\n34").status().code() == StatusCode::kInvalidArgument);
  CHECK(p11::Pin::read(std::nullopt, "CAREID_TEST_UNSET_PIN").status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("module load names missing file", "[pki][pkcs11]") {
  auto module = p11::Module::load("/nonexistent/libpkcs11.so");
  REQUIRE_FALSE(module.ok());
  CHECK(module.status().code() == StatusCode::kNotFound);
  CHECK_THAT(module.status().message(), Catch::Contains("/nonexistent/libpkcs11.so"));
}
