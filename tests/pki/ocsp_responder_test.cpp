#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <chrono>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/ocsp_responder.h"
#include "ca_fixture.h"
#include "pki_test_util.h"

using careid::pki::Bytes;
using careid::pki::CardRegistry;
using careid::pki::CertificateAuthority;
using careid::pki::CertifiedKey;
using careid::pki::OcspResponder;
using careid::pki::RevocationReason;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

using Clock = std::chrono::system_clock;

std::string serial_of(const CertifiedKey& card) {
  return *careid::pki::normalize_serial_hex(card.certificate.info()->serial_hex);
}

Bytes make_request(const CertifiedKey& card, const CertificateAuthority& issuer, bool nonce) {
  OCSP_REQUEST* request = OCSP_REQUEST_new();
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), card.certificate.native(), issuer.certificate().native());
  REQUIRE(OCSP_request_add0_id(request, id) != nullptr);
  if (nonce) {
    REQUIRE(OCSP_request_add1_nonce(request, nullptr, 16) == 1);
  }
  unsigned char* der = nullptr;
  int size = i2d_OCSP_REQUEST(request, &der);
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  OCSP_REQUEST_free(request);
  return bytes;
}

struct Answer {
  int response_status = -1;
  int cert_status = -1;
  int reason = -1;
  bool signature_ok = false;
  int nonce_check = -99;
};

// Parses `response`, verifies its signature against the CA and finds the card's status.
Answer read_answer(const Bytes& response, const CertifiedKey& card, const CertificateAuthority& ca,
                   const Bytes& request_der) {
  Answer answer;
  const unsigned char* cursor = response.data();
  OCSP_RESPONSE* parsed = d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(response.size()));
  REQUIRE(parsed != nullptr);
  answer.response_status = OCSP_response_status(parsed);
  OCSP_BASICRESP* basic = OCSP_response_get1_basic(parsed);
  if (basic != nullptr) {
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca.certificate().native());
    answer.signature_ok = OCSP_basic_verify(basic, nullptr, store, 0) == 1;
    X509_STORE_free(store);

    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), card.certificate.native(), ca.certificate().native());
    ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
    OCSP_resp_find_status(basic, id, &answer.cert_status, &answer.reason, &revoked_at, &this_update,
                          &next_update);
    OCSP_CERTID_free(id);

    const unsigned char* request_cursor = request_der.data();
    OCSP_REQUEST* request = d2i_OCSP_REQUEST(nullptr, &request_cursor, static_cast<long>(request_der.size()));
    answer.nonce_check = OCSP_check_nonce(request, basic);
    OCSP_REQUEST_free(request);
    OCSP_BASICRESP_free(basic);
  }
  OCSP_RESPONSE_free(parsed);
  ERR_clear_error();
  return answer;
}

struct Fixture {
  TempDir dir;
  CertificateAuthority ca = make_ca();
  std::unique_ptr<CardRegistry> registry = CardRegistry::open(dir / "registry").value();
  CertifiedKey card = ca.issue_card_certificate("555000000001").value();

  std::unique_ptr<OcspResponder> responder(std::chrono::seconds ttl) {
    REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
    auto signer = careid::pki::issue_ocsp_signing_certificate(ca);
    REQUIRE(signer.ok());
    careid::pki::OcspResponderOptions options;
    options.cache_ttl = ttl;
    auto created = OcspResponder::create(ca.certificate(), std::move(*signer), *registry, options);
    REQUIRE(created.ok());
    return std::move(*created);
  }
};

}  // namespace

TEST_CASE("ocsp answers good then revoked", "[pki][ocsp]") {
  Fixture f;
  auto responder = f.responder(std::chrono::seconds(0));
  Bytes request = make_request(f.card, f.ca, true);

  Answer good = read_answer(responder->respond(request), f.card, f.ca, request);
  CHECK(good.response_status == OCSP_RESPONSE_STATUS_SUCCESSFUL);
  CHECK(good.signature_ok);
  CHECK(good.cert_status == V_OCSP_CERTSTATUS_GOOD);
  CHECK(good.nonce_check == 1);

  REQUIRE(f.registry->revoke(serial_of(f.card), RevocationReason::kKeyCompromise, Clock::now()).ok());
  Answer revoked = read_answer(responder->respond(request), f.card, f.ca, request);
  CHECK(revoked.cert_status == V_OCSP_CERTSTATUS_REVOKED);
  CHECK(revoked.reason == OCSP_REVOKED_STATUS_KEYCOMPROMISE);
  CHECK(revoked.signature_ok);
}

TEST_CASE("ocsp reports hold and unknown", "[pki][ocsp]") {
  Fixture f;
  auto responder = f.responder(std::chrono::seconds(0));
  REQUIRE(f.registry->suspend(serial_of(f.card), Clock::now()).ok());
  Bytes request = make_request(f.card, f.ca, false);
  Answer on_hold = read_answer(responder->respond(request), f.card, f.ca, request);
  CHECK(on_hold.cert_status == V_OCSP_CERTSTATUS_REVOKED);
  CHECK(on_hold.reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD);
  CHECK(on_hold.nonce_check == 2);

  CertifiedKey stranger = f.ca.issue_card_certificate("555000000002").value();
  Bytes unknown_request = make_request(stranger, f.ca, true);
  Answer unknown = read_answer(responder->respond(unknown_request), stranger, f.ca, unknown_request);
  CHECK(unknown.cert_status == V_OCSP_CERTSTATUS_UNKNOWN);
}

TEST_CASE("ocsp rejects bad requests", "[pki][ocsp]") {
  Fixture f;
  auto responder = f.responder(std::chrono::seconds(0));
  Bytes request = make_request(f.card, f.ca, true);

  Bytes truncated(request.begin(), request.end() - 3);
  CHECK(read_answer(responder->respond(truncated), f.card, f.ca, request).response_status ==
        OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  Bytes trailing = request;
  trailing.push_back(0);
  CHECK(read_answer(responder->respond(trailing), f.card, f.ca, request).response_status ==
        OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  CHECK(read_answer(responder->respond(Bytes{}), f.card, f.ca, request).response_status ==
        OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);

  CertificateAuthority other = make_ca();
  CertifiedKey foreign = other.issue_card_certificate("555000000001").value();
  Bytes foreign_request = make_request(foreign, other, false);
  CHECK(read_answer(responder->respond(foreign_request), foreign, other, foreign_request).response_status ==
        OCSP_RESPONSE_STATUS_UNAUTHORIZED);
}

TEST_CASE("ocsp caches responses without nonce", "[pki][ocsp]") {
  Fixture f;
  auto responder = f.responder(std::chrono::seconds(60));
  Bytes plain = make_request(f.card, f.ca, false);
  Bytes first = responder->respond(plain);

  REQUIRE(f.registry->revoke(serial_of(f.card), RevocationReason::kSuperseded, Clock::now()).ok());
  CHECK(responder->respond(plain) == first);
  Bytes with_nonce = make_request(f.card, f.ca, true);
  Answer fresh = read_answer(responder->respond(with_nonce), f.card, f.ca, with_nonce);
  CHECK(fresh.cert_status == V_OCSP_CERTSTATUS_REVOKED);
}
