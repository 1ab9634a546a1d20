#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/files.h"
#include "pki/pkcs12.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::testing::quoted;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

namespace {

struct Fixture {
  careid::pki::CertificateAuthority authority;
  careid::pki::CertifiedKey card;
};

Fixture make_card() {
  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  auto authority = careid::pki::CertificateAuthority::create(std::move(*ca));
  REQUIRE(authority.ok());
  auto card = authority->issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  return Fixture{std::move(*authority), std::move(*card)};
}

}  // namespace

TEST_CASE("PKCS#12 uses AES-256 and opens", "[pki][pkcs12]") {
  TempDir dir;
  Fixture fixture = make_card();
  auto p12 = careid::pki::export_pkcs12(fixture.card, "card password", "123456789012",
                                        &fixture.authority.certificate());
  REQUIRE(p12.ok());
  auto path = dir / "card.p12";
  REQUIRE(careid::pki::write_private_file(path, careid::pki::to_string(*p12)).ok());

  auto [code, output] =
      run_command("openssl pkcs12 -info -noout -passin 'pass:card password' -in " + quoted(path));
  INFO(output);
  REQUIRE(code == 0);
  CHECK_THAT(output, Catch::Contains("MAC: sha256"));
  CHECK_THAT(output, Catch::Contains("PBES2, PBKDF2, AES-256-CBC"));
  CHECK_THAT(output, !Catch::Contains("RC2"));
  CHECK_THAT(output, !Catch::Contains("3DES"));

  // The key and both certificates come back out.
  auto [dump_code, dump] =
      run_command("openssl pkcs12 -nodes -passin 'pass:card password' -in " + quoted(path));
  REQUIRE(dump_code == 0);
  CHECK_THAT(dump, Catch::Contains("friendlyName: 123456789012"));
  CHECK_THAT(dump, Catch::Contains("subject=O = nhs, OU = people, CN = 123456789012"));
  CHECK_THAT(dump, Catch::Contains("subject=O = nhs, CN = careid Card CA"));
  CHECK_THAT(dump, Catch::Contains("BEGIN PRIVATE KEY"));

  auto [wrong_code, wrong] =
      run_command("openssl pkcs12 -info -noout -passin pass:wrong -in " + quoted(path));
  CHECK(wrong_code != 0);
}

TEST_CASE("PKCS#12 rejects empty password", "[pki][pkcs12]") {
  Fixture fixture = make_card();
  auto empty = careid::pki::export_pkcs12(fixture.card, "", "card");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);

  auto nul = careid::pki::export_pkcs12(fixture.card, std::string_view("a\0b", 3), "card");
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.status().code() == StatusCode::kInvalidArgument);

  auto without_chain = careid::pki::export_pkcs12(fixture.card, "pw", "");
  CHECK(without_chain.ok());
}
