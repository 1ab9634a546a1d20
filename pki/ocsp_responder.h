// OcspResponder: an OCSP responder (RFC 6960) for the cards of the card CA that reads the
// card registry. OpenSSL's OCSP_* functions encode and decode; the decisions are here.
//
// Responses are signed by a delegated responder certificate (RFC 6960 4.2.2.2: issued by the
// card CA with extendedKeyUsage id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so that clients
// do not check the responder certificate's own revocation), or by the CA key itself.
//
// Status per certificate id (RFC 6960 2.2): a recorded good card is good. A revoked card is
// revoked with its time and reason, and a card on hold is revoked with reason
// certificateHold. A serial the registry never recorded is unknown. A request about
// another issuer gets the response status unauthorized (RFC 6960 2.3).
//
// Caching: a response to a request without a nonce is kept for `cache_ttl` and returned for
// the same request bytes, so a revocation shows in OCSP after at most that delay. A request
// with a nonce is answered fresh with the nonce echoed (RFC 6960 4.4.1).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/layout.h"

namespace careid::pki {

struct OcspResponderOptions {
  // How long a response without a nonce is reused; also the responses' nextUpdate minus
  // thisUpdate. Zero turns caching off and leaves nextUpdate out.
  std::chrono::seconds cache_ttl{5};
  // Cached responses at most; when full the cache is emptied.
  std::size_t max_cached_responses = 10000;
  // Certificate ids in one request at most; more is malformedRequest.
  std::size_t max_request_entries = 32;
};

class OcspResponder {
 public:
  // `ca_certificate` issues the cards; `signer` signs the responses (the CA itself or a
  // certificate from issue_ocsp_signing_certificate). `registry` must outlive the responder.
  // InvalidArgument when the signer's key does not match its certificate.
  static Result<std::unique_ptr<OcspResponder>> create(Certificate ca_certificate, CertifiedKey signer,
                                                       const CardRegistry& registry,
                                                       const OcspResponderOptions& options = {});

  // Returns the DER OCSPResponse for the DER OCSPRequest `request`. Never fails: a request
  // that does not decode, has trailing bytes, no or too many ids is malformedRequest, and a
  // registry or signing failure is internalError (and logged). Thread-safe; blocks on the
  // registry and on signing.
  Bytes respond(ByteView request) const;

 private:
  OcspResponder(Certificate ca_certificate, CertifiedKey signer, const CardRegistry& registry,
                const OcspResponderOptions& options);

  Certificate ca_certificate_;
  CertifiedKey signer_;
  bool delegated_;
  const CardRegistry& registry_;
  OcspResponderOptions options_;

  struct CachedResponse {
    Bytes response;
    std::chrono::steady_clock::time_point expires;
  };
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, CachedResponse> cache_;
};

// Issues a delegated OCSP responder certificate with a new ECDSA P-256 key: subject
// CN=careid OCSP Responder,O=nhs; keyUsage critical digitalSignature; extendedKeyUsage
// OCSPSigning; id-pkix-ocsp-nocheck; basicConstraints critical CA:FALSE; key identifiers.
Result<CertifiedKey> issue_ocsp_signing_certificate(const CertificateAuthority& ca,
                                                    std::uint32_t validity_days = 30);

// Loads layout.ocsp_signing_certificate() and its key when they exist, were issued by `ca`
// and stay valid for more than a quarter of their lifetime. Otherwise it removes them and
// writes a new pair from issue_ocsp_signing_certificate (key mode 0600).
Result<CertifiedKey> load_or_issue_ocsp_signer(const CertificateAuthority& ca, const PkiLayout& layout);

}  // namespace careid::pki
