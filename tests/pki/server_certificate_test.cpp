#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/saml_signing.h"
#include "ca_fixture.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::CertificateAuthority;
using careid::pki::CertificatePurpose;
using careid::pki::KeyType;
using careid::pki::ServerCertificateOptions;
using careid::pki::VerifyOptions;
using careid::pki::testing::quoted;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

std::string x509_text(const careid::pki::Certificate& certificate, const TempDir& dir) {
  auto path = dir / "text.pem";
  REQUIRE(certificate.write_pem_file(path).ok());
  auto [status, output] = run_command("openssl x509 -in " + quoted(path) + " -noout -text");
  REQUIRE(status == 0);
  return output;
}

}  // namespace

TEST_CASE("server certificate names loopback and extras", "[pki][server]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  ServerCertificateOptions options;
  options.extra_names = {"idp.nhs.test", "::1", "localhost", "*.apps.nhs.test"};
  auto server = authority.issue_server_certificate(options);
  REQUIRE(server.ok());

  std::string text = x509_text(server->certificate, dir);
  CHECK_THAT(text, Catch::Contains("IP Address:127.0.0.1, DNS:localhost, DNS:idp.nhs.test, "
                                   "IP Address:0:0:0:0:0:0:0:1, DNS:*.apps.nhs.test"));
  CHECK_THAT(text, Catch::Contains("TLS Web Server Authentication"));
  CHECK_THAT(text, !Catch::Contains("TLS Web Client Authentication"));
  CHECK(server->certificate.info()->subject == "CN=localhost,O=nhs");

  VerifyOptions server_purpose;
  server_purpose.purpose = CertificatePurpose::kServerAuth;
  CHECK(
      careid::pki::verify_certificate(server->certificate, authority.certificate(), server_purpose)
          .ok());
  // A server certificate cannot log in as a card.
  CHECK_FALSE(careid::pki::verify_certificate(server->certificate, authority.certificate()).ok());

  REQUIRE(authority.certificate().write_pem_file(dir / "ca.pem").ok());
  REQUIRE(server->certificate.write_pem_file(dir / "server.pem").ok());
  for (const char* host : {"-verify_ip 127.0.0.1", "-verify_hostname localhost",
                           "-verify_hostname idp.nhs.test", "-verify_ip ::1"}) {
    auto [code, output] =
        run_command("openssl verify -x509_strict -purpose sslserver " + std::string(host) +
                    " -CAfile " + quoted(dir / "ca.pem") + " " + quoted(dir / "server.pem"));
    INFO(host << ": " << output);
    CHECK(code == 0);
  }
  auto [code, output] = run_command("openssl verify -verify_hostname evil.example -CAfile " +
                                    quoted(dir / "ca.pem") + " " + quoted(dir / "server.pem"));
  CHECK(code != 0);
}

TEST_CASE("server certificate RSA has keyEncipherment", "[pki][server]") {
  TempDir dir;
  CertificateAuthority authority = make_ca();
  ServerCertificateOptions options;
  options.key_type = KeyType::kRsa2048;
  auto server = authority.issue_server_certificate(options);
  REQUIRE(server.ok());
  CHECK_THAT(x509_text(server->certificate, dir), Catch::Contains("Key Encipherment"));
  CHECK(server->certificate.info()->key_type == "rsa-2048");
}

TEST_CASE("server certificate rejects bad names", "[pki][server]") {
  CertificateAuthority authority = make_ca();
  const char* bad_names[] = {"",
                             "has space.example",
                             "a,DNS:evil.example",
                             "IP:10.0.0.1",
                             "-leading.example",
                             "trailing-.example",
                             "a..b",
                             "*.*.example",
                             "host.example."};
  for (const char* name : bad_names) {
    INFO(name);
    ServerCertificateOptions options;
    options.extra_names = {name};
    auto server = authority.issue_server_certificate(options);
    REQUIRE_FALSE(server.ok());
    CHECK(server.status().code() == StatusCode::kInvalidArgument);
  }

  ServerCertificateOptions long_label;
  long_label.extra_names = {std::string(64, 'a') + ".example"};
  CHECK_FALSE(authority.issue_server_certificate(long_label).ok());
}

TEST_CASE("SAML signing certificate is self-signed RSA", "[pki][saml]") {
  TempDir dir;
  auto saml = careid::pki::create_saml_signing_certificate();
  REQUIRE(saml.ok());
  auto info = saml->certificate.info();
  REQUIRE(info.ok());
  CHECK(info->subject == "CN=careid SAML signing,O=nhs");
  CHECK(info->issuer == info->subject);
  CHECK(info->key_type == "rsa-2048");

  std::string text = x509_text(saml->certificate, dir);
  CHECK_THAT(text, Catch::Contains("sha256WithRSAEncryption"));
  CHECK_THAT(text, Catch::Contains("Digital Signature"));
  CHECK_THAT(text, Catch::Contains("CA:FALSE"));

  // The signature checks against its own public key.
  REQUIRE(saml->certificate.write_pem_file(dir / "saml.pem").ok());
  auto [code, output] = run_command("openssl verify -check_ss_sig -partial_chain -CAfile " +
                                    quoted(dir / "saml.pem") + " " + quoted(dir / "saml.pem"));
  INFO(output);
  CHECK(code == 0);
}

TEST_CASE("SAML signing certificate offers ECDSA", "[pki][saml]") {
  careid::pki::SamlSigningOptions options;
  options.key_type = KeyType::kEcdsaP256;
  options.common_name = "idp.nhs.test";
  auto saml = careid::pki::create_saml_signing_certificate(options);
  REQUIRE(saml.ok());
  CHECK(saml->certificate.info()->key_type == "ecdsa-p256");
  CHECK(saml->certificate.info()->subject_cn == "idp.nhs.test");

  options.validity_days = 0;
  CHECK_FALSE(careid::pki::create_saml_signing_certificate(options).ok());
}
