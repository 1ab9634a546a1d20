#include <openssl/err.h>
#include <openssl/pemerr.h>
#include <openssl/x509err.h>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/openssl_error.h"
#include "pki/saml_signing.h"

using careid::pki::Certificate;
using careid::pki::PrivateKey;

TEST_CASE("openssl status drains error queue", "[pki][openssl]") {
  ERR_raise_data(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE, "first");
  ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
  careid::Status status = careid::pki::openssl_status(careid::StatusCode::kInternal, "loading");
  CHECK(status.code() == careid::StatusCode::kInternal);
  CHECK_THAT(status.message(), Catch::StartsWith("loading: "));
  CHECK_THAT(status.message(), Catch::Contains("cert already in hash table (first)"));
  CHECK_THAT(status.message(), Catch::Contains("no start line"));
  CHECK(ERR_peek_error() == 0);

  careid::Status empty = careid::pki::openssl_status(careid::StatusCode::kInternal, "nothing");
  CHECK(empty.message() == "nothing");
}

TEST_CASE("pki calls leave error queue empty", "[pki][openssl]") {
  ERR_clear_error();
  auto key = PrivateKey::generate(careid::pki::KeyType::kRsa2048);
  REQUIRE(key.ok());
  auto pem = key->to_pem();
  REQUIRE(pem.ok());
  CHECK(PrivateKey::from_pem(*pem).ok());
  CHECK(ERR_peek_error() == 0);

  CHECK_FALSE(PrivateKey::from_pem("not a key").ok());
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(Certificate::from_pem("not a certificate").ok());
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(Certificate::from_der(careid::pki::as_bytes("\x30\x03\x02")).ok());
  CHECK(ERR_peek_error() == 0);

  auto ca = careid::pki::create_self_signed_ca();
  REQUIRE(ca.ok());
  auto authority = careid::pki::CertificateAuthority::create(std::move(*ca));
  REQUIRE(authority.ok());
  careid::pki::ServerCertificateOptions options;
  options.extra_names = {"::1", "host.example"};
  auto server = authority->issue_server_certificate(options);
  REQUIRE(server.ok());
  CHECK(ERR_peek_error() == 0);

  auto info = server->certificate.info();
  REQUIRE(info.ok());
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(careid::pki::verify_certificate(server->certificate, authority->certificate()).ok());
  CHECK(ERR_peek_error() == 0);

  auto saml = careid::pki::create_saml_signing_certificate();
  REQUIRE(saml.ok());
  CHECK(ERR_peek_error() == 0);
}
