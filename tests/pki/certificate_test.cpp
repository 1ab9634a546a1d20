#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/encoding.h"
#include "pki/files.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::as_bytes;
using careid::pki::Bytes;
using careid::pki::Certificate;
using careid::pki::testing::quoted;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

namespace {

careid::pki::CertifiedKey make_card() {
  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  auto authority = careid::pki::CertificateAuthority::create(std::move(*ca));
  REQUIRE(authority.ok());
  auto card = authority->issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  return std::move(*card);
}

}  // namespace

TEST_CASE("certificate round trips PEM and DER", "[pki][certificate]") {
  auto card = make_card();
  auto pem = card.certificate.to_pem();
  auto der = card.certificate.to_der();
  REQUIRE(pem.ok());
  REQUIRE(der.ok());
  CHECK(pem->starts_with("-----BEGIN CERTIFICATE-----"));

  auto from_pem = Certificate::from_pem(*pem);
  auto from_der = Certificate::from_der(*der);
  auto parsed_pem = Certificate::parse(as_bytes("\r\n\n" + *pem));
  auto parsed_der = Certificate::parse(*der);
  for (auto* parsed : {&from_pem, &from_der, &parsed_pem, &parsed_der}) {
    REQUIRE(parsed->ok());
    CHECK((*parsed)->to_der().value() == *der);
  }
}

TEST_CASE("certificate info matches openssl", "[pki][certificate]") {
  TempDir dir;
  auto card = make_card();
  REQUIRE(card.certificate.write_pem_file(dir / "card.pem").ok());
  auto info = card.certificate.info();
  REQUIRE(info.ok());

  auto [status, output] = run_command("openssl x509 -in " + quoted(dir / "card.pem") +
                                      " -noout -fingerprint -sha256 -serial");
  REQUIRE(status == 0);
  // openssl prints "sha256 Fingerprint=AB:CD:..." and "serial=0123...".
  std::string fingerprint;
  for (char c : output.substr(output.find('=') + 1, 95)) {
    if (c != ':') {
      fingerprint += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  CHECK(fingerprint == info->sha256_fingerprint);

  std::string serial = output.substr(output.find("serial=") + 7);
  serial = serial.substr(0, serial.find('\n'));
  for (char& c : serial) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  CHECK(serial.ends_with(info->serial_hex));
}

TEST_CASE("certificate reads PEM made by openssl", "[pki][certificate]") {
  TempDir dir;
  auto [status, output] = run_command("openssl req -x509 -newkey rsa:2048 -nodes -keyout " +
                                      quoted(dir / "k.pem") + " -out " + quoted(dir / "c.pem") +
                                      " -days 30 -utf8 -subj '/O=nhs/OU=people/CN=Zoë Example'");
  INFO(output);
  REQUIRE(status == 0);

  auto certificate = Certificate::load_file(dir / "c.pem");
  REQUIRE(certificate.ok());
  auto info = certificate->info();
  REQUIRE(info.ok());
  CHECK(info->subject == "CN=Zoë Example,OU=people,O=nhs");
  CHECK(info->subject_cn == "Zoë Example");
  CHECK(info->key_type == "rsa-2048");

  auto [der_status, der_output] = run_command("openssl x509 -in " + quoted(dir / "c.pem") +
                                              " -outform DER -out " + quoted(dir / "c.der"));
  REQUIRE(der_status == 0);
  auto from_der = Certificate::load_file(dir / "c.der");
  REQUIRE(from_der.ok());
  CHECK(from_der->info()->sha256_fingerprint == info->sha256_fingerprint);
}

TEST_CASE("certificate truncated PEM fails", "[pki][certificate]") {
  auto card = make_card();
  auto pem = card.certificate.to_pem();
  REQUIRE(pem.ok());

  for (std::size_t cut = 0; cut + 1 < pem->size(); cut += 5) {
    INFO("cut at " << cut);
    auto parsed = Certificate::from_pem(std::string_view(*pem).substr(0, cut));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  }
  auto garbage =
      Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK_THAT(garbage.status().message(), Catch::Contains("invalid PEM certificate"));
}

TEST_CASE("certificate truncated DER fails", "[pki][certificate]") {
  auto card = make_card();
  auto der = card.certificate.to_der();
  REQUIRE(der.ok());

  for (std::size_t cut = 0; cut < der->size(); ++cut) {
    INFO("cut at " << cut);
    auto parsed = Certificate::from_der(careid::pki::ByteView(der->data(), cut));
    REQUIRE_FALSE(parsed.ok());
  }

  Bytes trailing = *der;
  trailing.push_back(0);
  auto parsed = Certificate::from_der(trailing);
  REQUIRE_FALSE(parsed.ok());
  CHECK_THAT(parsed.status().message(), Catch::Contains("1 extra bytes"));
}

TEST_CASE("certificate load reports missing file", "[pki][certificate]") {
  TempDir dir;
  auto loaded = Certificate::load_file(dir / "absent.pem");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == StatusCode::kNotFound);

  REQUIRE(careid::pki::write_public_file(dir / "empty.pem", "").ok());
  CHECK_FALSE(Certificate::load_file(dir / "empty.pem").ok());
}
