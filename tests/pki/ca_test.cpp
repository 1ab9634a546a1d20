#include <sys/stat.h>

#include <chrono>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/certificate_names.h"
#include "pki/files.h"
#include "ca_fixture.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::CardCertificateOptions;
using careid::pki::Certificate;
using careid::pki::CertificateAuthority;
using careid::pki::CertificatePurpose;
using careid::pki::CertifiedKey;
using careid::pki::VerifyOptions;
using careid::pki::testing::quoted;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

using namespace std::chrono_literals;
constexpr auto kDay = std::chrono::hours(24);

std::string x509_text(const Certificate& certificate, const TempDir& dir) {
  auto path = dir / "text.pem";
  REQUIRE(certificate.write_pem_file(path).ok());
  auto [status, output] = run_command("openssl x509 -in " + quoted(path) + " -noout -text");
  REQUIRE(status == 0);
  return output;
}

}  // namespace

TEST_CASE("card CA has the CA profile", "[pki][ca]") {
  TempDir dir;
  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  auto info = ca->certificate.info();
  REQUIRE(info.ok());
  CHECK(info->subject == "CN=careid Card CA,O=nhs");
  CHECK(info->issuer == info->subject);
  CHECK(info->subject_cn == "careid Card CA");
  CHECK(info->key_type == "ecdsa-p256");
  CHECK(info->not_after - info->not_before == 3650 * kDay);

  std::string text = x509_text(ca->certificate, dir);
  CHECK_THAT(text, Catch::Contains("X509v3 Basic Constraints: critical"));
  CHECK_THAT(text, Catch::Contains("CA:TRUE, pathlen:0"));
  CHECK_THAT(text, Catch::Contains("X509v3 Key Usage: critical"));
  CHECK_THAT(text, Catch::Contains("Certificate Sign, CRL Sign"));
  CHECK_THAT(text, Catch::Contains("X509v3 Subject Key Identifier"));
  CHECK_THAT(text, Catch::Contains("ecdsa-with-SHA256"));
}

TEST_CASE("card CA rejects bad options", "[pki][ca]") {
  careid::pki::CaOptions options;
  options.validity_days = 0;
  CHECK(careid::pki::create_self_signed_ca(options).status().code() ==
        StatusCode::kInvalidArgument);
  options.validity_days = 36501;
  CHECK(careid::pki::create_self_signed_ca(options).status().code() ==
        StatusCode::kInvalidArgument);
  options = {};
  options.common_name = "";
  CHECK(careid::pki::create_self_signed_ca(options).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("authority rejects mismatched or non-CA", "[pki][ca]") {
  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  auto other_key = careid::pki::PrivateKey::generate();
  REQUIRE(other_key.ok());
  auto mismatched =
      CertificateAuthority::create(CertifiedKey{ca->certificate, std::move(*other_key)});
  REQUIRE_FALSE(mismatched.ok());
  CHECK_THAT(mismatched.status().message(), Catch::Contains("does not match"));

  CertificateAuthority authority = make_ca();
  auto card = authority.issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  auto leaf_as_ca = CertificateAuthority::create(std::move(*card));
  REQUIRE_FALSE(leaf_as_ca.ok());
  CHECK_THAT(leaf_as_ca.status().message(), Catch::Contains("not a CA"));
}

TEST_CASE("authority loads from PEM files", "[pki][ca]") {
  TempDir dir;
  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  REQUIRE(ca->certificate.write_pem_file(dir / "ca.pem").ok());
  REQUIRE(ca->key.write_pem_file(dir / "ca.key").ok());

  auto authority = CertificateAuthority::load(dir / "ca.pem", dir / "ca.key");
  REQUIRE(authority.ok());
  auto card = authority->issue_card_certificate("000000000001");
  REQUIRE(card.ok());
  CHECK(careid::pki::verify_certificate(card->certificate, ca->certificate).ok());

  REQUIRE(::chmod((dir / "ca.key").c_str(), 0644) == 0);
  auto loose = CertificateAuthority::load(dir / "ca.pem", dir / "ca.key");
  REQUIRE_FALSE(loose.ok());
  CHECK_THAT(loose.status().message(), Catch::Contains("chmod 600"));
}

TEST_CASE("card certificate has NHS profile", "[pki][ca]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  auto card = authority.issue_card_certificate("555000111222");
  REQUIRE(card.ok());

  auto info = card->certificate.info();
  REQUIRE(info.ok());
  CHECK(info->subject == "CN=555000111222,OU=people,O=nhs");
  CHECK(info->subject_cn == "555000111222");
  CHECK(info->issuer == "CN=careid Card CA,O=nhs");
  CHECK(info->key_type == "ecdsa-p256");
  CHECK(info->sha256_fingerprint.size() == 64);
  CHECK(info->not_after - info->not_before == 1095 * kDay);
  // 128 random bits: at most 32 hex digits, and rarely fewer than 24.
  CHECK(info->serial_hex.size() <= 32);
  CHECK(info->serial_hex.size() >= 24);

  std::string text = x509_text(card->certificate, dir);
  CHECK_THAT(text, Catch::Contains("TLS Web Client Authentication"));
  CHECK_THAT(text, Catch::Contains("X509v3 Key Usage: critical"));
  CHECK_THAT(text, Catch::Contains("Digital Signature"));
  CHECK_THAT(text, Catch::Contains("X509v3 Authority Key Identifier"));
  CHECK_THAT(text, Catch::Contains("X509v3 Subject Key Identifier"));
  CHECK_THAT(text, Catch::Contains("CA:FALSE"));
  CHECK_THAT(text, !Catch::Contains("TLS Web Server Authentication"));
}

TEST_CASE("card certificate carries SAN values", "[pki][ca]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  CardCertificateOptions options;
  options.san_emails = {"ada.example@nhs.net", "second@nhs.example"};
  options.san_upns = {"ada@upn.example"};

  auto card = authority.issue_card_certificate("555000111222", options);

  REQUIRE(card.ok());
  x509_st* native = card->certificate.native();
  CHECK(careid::pki::certificate_san_emails(native) == options.san_emails);
  CHECK(careid::pki::certificate_san_upns(native) == options.san_upns);
  std::string text = x509_text(card->certificate, dir);
  CHECK_THAT(text, Catch::Contains("email:ada.example@nhs.net"));
  CHECK_THAT(text, !Catch::Contains("X509v3 Subject Alternative Name: critical"));

  auto plain = authority.issue_card_certificate("555000111222");
  REQUIRE(plain.ok());
  CHECK(careid::pki::certificate_san_emails(plain->certificate.native()).empty());
}

TEST_CASE("card SAN value must be an address", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  for (const std::string& bad : std::vector<std::string>{"", "no-at-sign", "@nhs.net", "ada@", "a@b@c", "ada smith@nhs.net",
                                 std::string(250, 'a') + "@nhs.net"}) {
    INFO("'" << bad << "'");
    CardCertificateOptions email;
    email.san_emails = {bad};
    auto by_email = authority.issue_card_certificate("555000111222", email);
    REQUIRE_FALSE(by_email.ok());
    CHECK(by_email.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(by_email.status().message(), Catch::Contains("SAN email address"));

    CardCertificateOptions upn;
    upn.san_upns = {bad};
    auto by_upn = authority.issue_card_certificate("555000111222", upn);
    REQUIRE_FALSE(by_upn.ok());
    CHECK_THAT(by_upn.status().message(), Catch::Contains("SAN user principal name"));
  }
}

TEST_CASE("card serials differ per certificate", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  auto first = authority.issue_card_certificate("123456789012");
  auto second = authority.issue_card_certificate("123456789012");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->certificate.info()->serial_hex != second->certificate.info()->serial_hex);
}

TEST_CASE("card uid must be twelve digits", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  const char* bad_uids[] = {"",
                            "12345678901",
                            "1234567890123",
                            "12345678901a",
                            "１２３４５６７８９０１２",
                            "123456 789012",
                            "-12345678901",
                            "12345678901\n",
                            "../123456789"};
  for (const char* uid : bad_uids) {
    INFO(uid);
    CHECK_FALSE(careid::pki::is_valid_card_uid(uid));
    auto card = authority.issue_card_certificate(uid);
    REQUIRE_FALSE(card.ok());
    CHECK(card.status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(careid::pki::is_valid_card_uid("000000000000"));
}

TEST_CASE("card certificate verifies against its CA", "[pki][ca]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  auto card = authority.issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate());
  INFO(status.to_string());
  CHECK(status.ok());

  // The openssl tool agrees, with the same purpose.
  REQUIRE(authority.certificate().write_pem_file(dir / "ca.pem").ok());
  REQUIRE(card->certificate.write_pem_file(dir / "card.pem").ok());
  auto [code, output] = run_command("openssl verify -x509_strict -purpose sslclient -CAfile " +
                                    quoted(dir / "ca.pem") + " " + quoted(dir / "card.pem"));
  INFO(output);
  CHECK(code == 0);
}

TEST_CASE("card from another CA fails verify", "[pki][ca]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  CertificateAuthority other = make_ca("careid Card CA");  // same name, different key
  auto card = other.issue_card_certificate("123456789012");
  REQUIRE(card.ok());

  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate());
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(status.message(), Catch::Contains("CN=123456789012,OU=people,O=nhs"));
  // The authority key identifier names the other CA's key, so OpenSSL finds no issuer.
  CHECK_THAT(status.message(), Catch::Contains("unable to get local issuer certificate"));

  REQUIRE(authority.certificate().write_pem_file(dir / "ca.pem").ok());
  REQUIRE(card->certificate.write_pem_file(dir / "card.pem").ok());
  auto [code, output] = run_command("openssl verify -CAfile " + quoted(dir / "ca.pem") + " " +
                                    quoted(dir / "card.pem"));
  CHECK(code != 0);
}

TEST_CASE("card from unrelated CA name fails", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  CertificateAuthority other = make_ca("Some Other CA");
  auto card = other.issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate());
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.message(), Catch::Contains("unable to get local issuer certificate"));
}

TEST_CASE("expired card fails verify", "[pki][ca]") {
  TempDir dir;
  careid::pki::CaOptions ca_options;
  ca_options.not_before = std::chrono::system_clock::now() - 30 * kDay;
  auto ca = careid::pki::create_self_signed_ca(ca_options);
  REQUIRE(ca.ok());
  auto created = CertificateAuthority::create(std::move(*ca));
  REQUIRE(created.ok());
  CertificateAuthority authority = std::move(*created);
  CardCertificateOptions options;
  options.not_before = std::chrono::system_clock::now() - 10 * kDay;
  options.validity_days = 1;
  auto card = authority.issue_card_certificate("123456789012", options);
  REQUIRE(card.ok());

  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate());
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(status.message(), Catch::Contains("certificate has expired"));

  // Checked at a time inside its validity, the same certificate passes.
  VerifyOptions past;
  past.at = std::chrono::system_clock::now() - 9 * kDay - 1h;
  CHECK(careid::pki::verify_certificate(card->certificate, authority.certificate(), past).ok());

  REQUIRE(authority.certificate().write_pem_file(dir / "ca.pem").ok());
  REQUIRE(card->certificate.write_pem_file(dir / "card.pem").ok());
  auto [code, output] = run_command("openssl verify -CAfile " + quoted(dir / "ca.pem") + " " +
                                    quoted(dir / "card.pem"));
  CHECK(code != 0);
  CHECK_THAT(output, Catch::Contains("expired"));
}

TEST_CASE("future card fails verify", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  CardCertificateOptions options;
  options.not_before = std::chrono::system_clock::now() + 2 * kDay;
  auto card = authority.issue_card_certificate("123456789012", options);
  REQUIRE(card.ok());

  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate());
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.message(), Catch::Contains("not yet valid"));
}

TEST_CASE("card fails server purpose", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  auto card = authority.issue_card_certificate("123456789012");
  REQUIRE(card.ok());
  VerifyOptions server;
  server.purpose = CertificatePurpose::kServerAuth;
  careid::Status status =
      careid::pki::verify_certificate(card->certificate, authority.certificate(), server);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kPermissionDenied);
}

TEST_CASE("CA itself fails client purpose", "[pki][ca]") {
  CertificateAuthority authority = make_ca();
  careid::Status status =
      careid::pki::verify_certificate(authority.certificate(), authority.certificate());
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kPermissionDenied);
}
