#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/crl.h"
#include "pki/files.h"
#include "ca_fixture.h"
#include "pki_test_util.h"

using careid::pki::CardRegistry;
using careid::pki::CardState;
using careid::pki::CertificateAuthority;
using careid::pki::CertifiedKey;
using careid::pki::RevocationReason;
using careid::pki::testing::run_command;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

using Clock = std::chrono::system_clock;

struct CrlFree {
  void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
using CrlPtr = std::unique_ptr<X509_CRL, CrlFree>;

CrlPtr parse(const careid::pki::Bytes& der) {
  const unsigned char* cursor = der.data();
  CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
  REQUIRE(crl);
  return crl;
}

std::string serial_of(const CertifiedKey& card) {
  return *careid::pki::normalize_serial_hex(card.certificate.info()->serial_hex);
}

// Returns the reasonCode of the entry for `serial_hex`, -1 without one, -2 when not listed.
int reason_in(X509_CRL* crl, const std::string& serial_hex) {
  STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(entry), nullptr);
    char* hex = BN_bn2hex(number);
    std::string text = *careid::pki::normalize_serial_hex(hex);
    OPENSSL_free(hex);
    BN_free(number);
    if (text != serial_hex) {
      continue;
    }
    auto* reason = static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
    if (reason == nullptr) {
      return -1;
    }
    int code = static_cast<int>(ASN1_ENUMERATED_get(reason));
    ASN1_ENUMERATED_free(reason);
    return code;
  }
  return -2;
}

}  // namespace

TEST_CASE("crl lists revoked cards", "[pki][crl]") {
  TempDir dir;
  auto registry = CardRegistry::open(dir / "registry");
  REQUIRE(registry.ok());
  CertificateAuthority ca = make_ca();
  CertifiedKey revoked = ca.issue_card_certificate("555000000001").value();
  CertifiedKey on_hold = ca.issue_card_certificate("555000000002").value();
  CertifiedKey good = ca.issue_card_certificate("555000000003").value();
  CertifiedKey plain = ca.issue_card_certificate("555000000004").value();
  for (const CertifiedKey* card : {&revoked, &on_hold, &good, &plain}) {
    REQUIRE((*registry)->record_issued(card->certificate, card->certificate.info()->subject_cn, "").ok());
  }
  REQUIRE((*registry)->revoke(serial_of(revoked), RevocationReason::kKeyCompromise, Clock::now()).ok());
  REQUIRE((*registry)->suspend(serial_of(on_hold), Clock::now()).ok());
  REQUIRE((*registry)->revoke(serial_of(plain), RevocationReason::kUnspecified, Clock::now()).ok());

  careid::pki::CrlOptions options;
  options.validity = std::chrono::hours(2);
  auto issued = careid::pki::build_crl(ca, *(*registry)->revoked_cards(), 7, options);
  REQUIRE(issued.ok());
  CHECK(issued->entries == 3);
  CHECK(issued->next_update - issued->this_update == std::chrono::hours(2));
  CHECK(issued->pem.starts_with("-----BEGIN X509 CRL-----"));

  CrlPtr crl = parse(issued->der);
  CHECK(X509_CRL_get_version(crl.get()) == X509_CRL_VERSION_2);
  CHECK(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.certificate().native())) == 1);
  CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.certificate().native())) == 0);

  auto* number = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr));
  REQUIRE(number != nullptr);
  CHECK(ASN1_INTEGER_get(number) == 7);
  ASN1_INTEGER_free(number);
  auto* key_id = static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr));
  CHECK(key_id != nullptr);
  AUTHORITY_KEYID_free(key_id);

  CHECK(reason_in(crl.get(), serial_of(revoked)) == 1);
  CHECK(reason_in(crl.get(), serial_of(on_hold)) == 6);
  CHECK(reason_in(crl.get(), serial_of(plain)) == -1);
  CHECK(reason_in(crl.get(), serial_of(good)) == -2);
}

TEST_CASE("crl rejects a good card", "[pki][crl]") {
  TempDir dir;
  auto registry = CardRegistry::open(dir / "registry");
  REQUIRE(registry.ok());
  CertificateAuthority ca = make_ca();
  CertifiedKey card = ca.issue_card_certificate("555000000001").value();
  REQUIRE((*registry)->record_issued(card.certificate, "555000000001", "").ok());

  auto issued = careid::pki::build_crl(ca, *(*registry)->cards_of("555000000001"), 1);
  CHECK(issued.status().code() == careid::StatusCode::kInvalidArgument);
}

TEST_CASE("publish crl writes files", "[pki][crl]") {
  TempDir dir;
  careid::pki::PkiLayout layout(dir.path());
  REQUIRE(layout.create_directories().ok());
  auto registry = CardRegistry::open(layout.card_registry_dir());
  REQUIRE(registry.ok());
  CertificateAuthority ca = make_ca();
  REQUIRE(ca.certificate().write_pem_file(layout.card_ca_certificate()).ok());
  CertifiedKey card = ca.issue_card_certificate("555000000001").value();
  REQUIRE((*registry)->record_issued(card.certificate, "555000000001", "").ok());
  REQUIRE((*registry)->revoke(serial_of(card), RevocationReason::kSuperseded, Clock::now()).ok());

  auto first = careid::pki::publish_crl(ca, **registry, layout);
  REQUIRE(first.ok());
  auto second = careid::pki::publish_crl(ca, **registry, layout);
  REQUIRE(second.ok());
  CHECK(second->number == first->number + 1);

  auto [status, output] = run_command("openssl crl -in " + careid::pki::testing::quoted(layout.crl_pem()) + " -noout -text -CAfile " +
                                      careid::pki::testing::quoted(layout.card_ca_certificate()));
  CHECK(status == 0);
  CHECK(output.find("verify OK") != std::string::npos);
  CHECK(output.find("Superseded") != std::string::npos);
  CHECK(output.find("X509v3 CRL Number") != std::string::npos);

  auto der = careid::pki::read_public_file(layout.crl_der());
  REQUIRE(der.ok());
  CHECK(der->size() == second->der.size());
}

TEST_CASE("card carries revocation urls", "[pki][crl]") {
  CertificateAuthority ca = make_ca();
  auto urls = careid::pki::card_revocation_urls("https://127.0.0.1:8443/");
  CHECK(urls.crl_url == "https://127.0.0.1:8443/pki/crl");
  CHECK(urls.ocsp_url == "https://127.0.0.1:8443/pki/ocsp");

  careid::pki::CardCertificateOptions options;
  options.crl_url = urls.crl_url;
  options.ocsp_url = urls.ocsp_url;
  auto card = ca.issue_card_certificate("555000000001", options);
  REQUIRE(card.ok());
  X509* x509 = card->certificate.native();
  auto* points = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x509, NID_crl_distribution_points, nullptr, nullptr));
  REQUIRE(points != nullptr);
  CHECK(sk_DIST_POINT_num(points) == 1);
  CRL_DIST_POINTS_free(points);
  STACK_OF(OPENSSL_STRING)* ocsp = X509_get1_ocsp(x509);
  REQUIRE(ocsp != nullptr);
  CHECK(std::string(sk_OPENSSL_STRING_value(ocsp, 0)) == urls.ocsp_url);
  X509_email_free(ocsp);

  options.ocsp_url = "ftp://example";
  CHECK(ca.issue_card_certificate("555000000001", options).status().code() ==
        careid::StatusCode::kInvalidArgument);
}
