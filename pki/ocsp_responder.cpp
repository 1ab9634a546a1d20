#include "pki/ocsp_responder.h"

#include <openssl/ocsp.h>

#include <cctype>

#include "base/log.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {
namespace {

using Clock = std::chrono::system_clock;
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, OpensslDeleter<OCSP_REQUEST_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, OpensslDeleter<OCSP_BASICRESP_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, OpensslDeleter<OCSP_RESPONSE_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, OpensslDeleter<OCSP_CERTID_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, OpensslDeleter<ASN1_TIME_free>>;

Bytes encode_response(OCSP_RESPONSE* response) {
  unsigned char* der = nullptr;
  int size = i2d_OCSP_RESPONSE(response, &der);
  if (size <= 0) {
    clear_openssl_errors();
    return {};
  }
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  return bytes;
}

// An OCSPResponse with only a status (RFC 6960 4.2.1): no responseBytes.
Bytes status_only_response(int status) {
  OcspResponsePtr response(OCSP_response_create(status, nullptr));
  if (!response) {
    clear_openssl_errors();
    return {};
  }
  return encode_response(response.get());
}

AsnTimePtr asn1_time(Clock::time_point time) {
  return AsnTimePtr(ASN1_TIME_set(nullptr, Clock::to_time_t(time)));
}

Result<std::string> serial_hex_of(const ASN1_INTEGER* serial) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number) {
    return openssl_status(StatusCode::kInvalidArgument, "cannot decode the requested serial");
  }
  OpensslCharPtr hex(BN_bn2hex(number.get()));
  if (!hex) {
    return openssl_status(StatusCode::kInternal, "cannot print the requested serial");
  }
  return normalize_serial_hex(hex.get());
}

// True when `id` names the card CA as issuer, with the hash algorithm the client chose.
bool is_our_issuer(OCSP_CERTID* id, X509* ca) {
  ASN1_OBJECT* algorithm = nullptr;
  if (OCSP_id_get0_info(nullptr, &algorithm, nullptr, nullptr, id) != 1 || algorithm == nullptr) {
    return false;
  }
  const EVP_MD* digest = EVP_get_digestbyobj(algorithm);
  if (digest == nullptr) {
    clear_openssl_errors();
    return false;
  }
  OcspCertIdPtr ours(OCSP_cert_to_id(digest, nullptr, ca));
  bool match = ours && OCSP_id_issuer_cmp(ours.get(), id) == 0;
  clear_openssl_errors();
  return match;
}

struct SingleStatus {
  int status = V_OCSP_CERTSTATUS_UNKNOWN;
  int reason = OCSP_REVOKED_STATUS_NOSTATUS;
  std::optional<Clock::time_point> revoked_at;
};

SingleStatus to_single_status(const CardStatus& card) {
  switch (card.state) {
    case CardState::kGood:
      return {V_OCSP_CERTSTATUS_GOOD, OCSP_REVOKED_STATUS_NOSTATUS, std::nullopt};
    case CardState::kRevoked:
    case CardState::kOnHold:
      // RFC 6960 2.2: a certificate on hold is "revoked" with reason certificateHold.
      return {V_OCSP_CERTSTATUS_REVOKED, static_cast<int>(card.reason), card.revoked_at};
    case CardState::kUnknown:
      break;
  }
  return {};
}

bool has_nonce(OCSP_REQUEST* request) {
  return OCSP_REQUEST_get_ext_by_NID(request, NID_id_pkix_OCSP_Nonce, -1) >= 0;
}

}  // namespace

OcspResponder::OcspResponder(Certificate ca_certificate, CertifiedKey signer,
                             const CardRegistry& registry, const OcspResponderOptions& options)
    : ca_certificate_(std::move(ca_certificate)),
      signer_(std::move(signer)),
      delegated_(X509_cmp(ca_certificate_.native(), signer_.certificate.native()) != 0),
      registry_(registry),
      options_(options) {}

Result<std::unique_ptr<OcspResponder>> OcspResponder::create(Certificate ca_certificate,
                                                             CertifiedKey signer,
                                                             const CardRegistry& registry,
                                                             const OcspResponderOptions& options) {
  if (X509_check_private_key(signer.certificate.native(), signer.key.native()) != 1) {
    return openssl_status(StatusCode::kInvalidArgument,
                          "OCSP signing key does not match the OCSP signing certificate");
  }
  return std::unique_ptr<OcspResponder>(
      new OcspResponder(std::move(ca_certificate), std::move(signer), registry, options));
}

Bytes OcspResponder::respond(ByteView request_der) const {
  const std::string cache_key = to_string(request_der);
  const auto now_steady = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    auto cached = cache_.find(cache_key);
    if (cached != cache_.end() && cached->second.expires > now_steady) {
      return cached->second.response;
    }
  }

  // RFC 6960 4.1.1: the request is DER; trailing bytes mean it is not one OCSPRequest.
  const unsigned char* cursor = request_der.data();
  OcspRequestPtr request(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(request_der.size())));
  if (!request || cursor != request_der.data() + request_der.size()) {
    clear_openssl_errors();
    return status_only_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }
  int count = OCSP_request_onereq_count(request.get());
  if (count <= 0 || static_cast<std::size_t>(count) > options_.max_request_entries) {
    return status_only_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }

  OcspBasicPtr basic(OCSP_BASICRESP_new());
  const Clock::time_point now = Clock::now();
  AsnTimePtr this_update = asn1_time(now);
  AsnTimePtr next_update = options_.cache_ttl.count() > 0 ? asn1_time(now + options_.cache_ttl) : nullptr;
  if (!basic || !this_update) {
    clear_openssl_errors();
    return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }

  for (int i = 0; i < count; ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), i));
    if (!is_our_issuer(id, ca_certificate_.native())) {
      // RFC 6960 2.3: the responder is not authoritative for this certificate.
      return status_only_response(OCSP_RESPONSE_STATUS_UNAUTHORIZED);
    }
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, id);
    auto serial_hex = serial_hex_of(serial);
    if (!serial_hex.ok()) {
      return status_only_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    }
    auto card = registry_.status(*serial_hex);
    if (!card.ok()) {
      log::get("pki")->error("OCSP: card registry read failed for serial {}: {}", *serial_hex,
                             card.status().to_string());
      return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
    }

    SingleStatus single = to_single_status(*card);
    AsnTimePtr revoked_at = single.revoked_at ? asn1_time(*single.revoked_at) : nullptr;
    if (OCSP_basic_add1_status(basic.get(), id, single.status, single.reason, revoked_at.get(),
                               this_update.get(), next_update.get()) == nullptr) {
      log::get("pki")->error("{}", openssl_status(StatusCode::kInternal, "OCSP: cannot add a status").message());
      return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
    }
  }

  // RFC 6960 4.4.1: echo the nonce. OCSP_copy_nonce returns 2 when the request has none.
  const bool nonce = has_nonce(request.get());
  if (OCSP_copy_nonce(basic.get(), request.get()) <= 0) {
    log::get("pki")->error("{}", openssl_status(StatusCode::kInternal, "OCSP: cannot copy the nonce").message());
    return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }

  // A delegated signer's certificate goes into the response so that clients can check its
  // OCSPSigning purpose; the CA's own certificate the client already has.
  unsigned long flags = delegated_ ? 0 : OCSP_NOCERTS;
  if (OCSP_basic_sign(basic.get(), signer_.certificate.native(), signer_.key.native(), EVP_sha256(),
                      nullptr, flags) != 1) {
    log::get("pki")->error("{}", openssl_status(StatusCode::kInternal, "OCSP: cannot sign the response").message());
    return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }
  OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  if (!response) {
    clear_openssl_errors();
    return status_only_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }
  Bytes encoded = encode_response(response.get());

  if (!nonce && options_.cache_ttl.count() > 0 && !encoded.empty()) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= options_.max_cached_responses) {
      cache_.clear();
    }
    cache_[cache_key] = CachedResponse{encoded, now_steady + options_.cache_ttl};
  }
  return encoded;
}

}  // namespace careid::pki
