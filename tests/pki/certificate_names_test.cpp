#include "pki/certificate_names.h"

#include <catch2/catch.hpp>

#include "pki/certificate.h"
#include "tests/xml/test_keys.h"

namespace careid::pki {
namespace {

using careid::testing::run_command;
using careid::testing::TempDir;

// Makes a self-signed certificate with `extension` (an openssl -addext value) in `dir`.
Certificate make_certificate(const TempDir& dir, const std::string& name, const std::string& extension) {
  std::string base = "'" + (dir.path() / name).string();
  std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                        "-subj /CN=" + name + " -keyout " + base + ".key' -out " + base + ".pem'" +
                        (extension.empty() ? "" : " -addext '" + extension + "'") + " >/dev/null 2>&1";
  REQUIRE(run_command(command) == 0);
  auto certificate = Certificate::load_file(dir.path() / (name + ".pem"));
  REQUIRE(certificate.ok());
  return *certificate;
}

}  // namespace

TEST_CASE("certificate SAN email and UPN", "[pki][certificate_names]") {
  TempDir dir;
  Certificate card = make_certificate(
      dir, "card",
      "subjectAltName=email:ada@nhs.example,DNS:host.example,"
      "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:ada@upn.example,email:second@nhs.example");
  CHECK(certificate_san_emails(card.native()) ==
        std::vector<std::string>{"ada@nhs.example", "second@nhs.example"});
  CHECK(certificate_san_upns(card.native()) == std::vector<std::string>{"ada@upn.example"});
}

TEST_CASE("certificate without SAN has no names", "[pki][certificate_names]") {
  TempDir dir;
  Certificate plain = make_certificate(dir, "plain", "");
  CHECK(certificate_san_emails(plain.native()).empty());
  CHECK(certificate_san_upns(plain.native()).empty());
}

TEST_CASE("certificate UPN of another type is empty", "[pki][certificate_names]") {
  TempDir dir;
  Certificate card = make_certificate(dir, "card", "subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;IA5:ada@upn.example");
  CHECK(certificate_san_upns(card.native()) == std::vector<std::string>{""});
}

TEST_CASE("certificate DER and issuer serial comparison", "[pki][certificate_names]") {
  TempDir dir;
  Certificate first = make_certificate(dir, "first", "");
  Certificate second = make_certificate(dir, "second", "");
  std::string first_der = certificate_der(first.native());
  REQUIRE_FALSE(first_der.empty());
  CHECK(*first.to_der() == std::vector<std::uint8_t>(first_der.begin(), first_der.end()));

  auto same = same_issuer_and_serial(first_der, first_der);
  REQUIRE(same.ok());
  CHECK(*same);
  auto different = same_issuer_and_serial(first_der, certificate_der(second.native()));
  REQUIRE(different.ok());
  CHECK_FALSE(*different);
  CHECK_FALSE(same_issuer_and_serial(first_der, "not a certificate").ok());
  CHECK_FALSE(same_issuer_and_serial(first_der + "x", first_der).ok());
}

}  // namespace careid::pki
