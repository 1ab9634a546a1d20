#include "pki/x509_builder.h"

#include <ctime>

#include "pki/openssl_error.h"

namespace careid::pki::detail {

namespace {

constexpr int kSerialBits = 128;

Status set_random_serial(X509* certificate) {
  // RFC 5280 4.1.2.2 allows up to 20 octets. 128 random bits (at most 17 octets once DER adds
  // a sign byte) make serials unpredictable, and a collision is negligible without a counter.
  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot generate serial number");
  }
  if (BN_is_zero(serial.get())) {
    BN_one(serial.get());  // RFC 5280 4.1.2.2: serials must be positive.
  }
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) == nullptr) {
    return openssl_status(StatusCode::kInternal, "cannot set serial number");
  }
  return Status::ok_status();
}

Status set_subject(X509* certificate, const std::vector<NameEntry>& entries) {
  X509_NAME* name = X509_get_subject_name(certificate);
  for (const auto& [field, value] : entries) {
    auto bytes = reinterpret_cast<const unsigned char*>(value.data());
    if (X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8, bytes,
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return openssl_status(StatusCode::kInvalidArgument,
                            "invalid subject attribute " + field + "=" + value);
    }
  }
  return Status::ok_status();
}

Status set_validity(X509* certificate, std::chrono::system_clock::time_point not_before,
                    uint32_t days) {
  if (days == 0 || days > kMaxValidityDays) {
    return Status::invalid_argument("invalid validity of " + std::to_string(days) +
                                    " days: expected 1-" + std::to_string(kMaxValidityDays));
  }

  std::time_t start = std::chrono::system_clock::to_time_t(not_before);
  if (ASN1_TIME_set(X509_getm_notBefore(certificate), start) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(certificate), start, static_cast<int>(days), 0) == nullptr) {
    return openssl_status(StatusCode::kInternal, "cannot set validity period");
  }
  return Status::ok_status();
}

}  // namespace

Result<X509Ptr> start_certificate(const CertificateFields& fields) {
  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot create certificate");
  }

  CAREID_RETURN_IF_ERROR(set_random_serial(certificate.get()));
  CAREID_RETURN_IF_ERROR(set_subject(certificate.get(), fields.subject));
  CAREID_RETURN_IF_ERROR(set_validity(certificate.get(), fields.not_before, fields.validity_days));

  if (X509_set_pubkey(certificate.get(), fields.public_key) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot set certificate public key");
  }
  return certificate;
}

Status set_issuer(X509* certificate, X509* issuer) {
  if (X509_set_issuer_name(certificate, X509_get_subject_name(issuer)) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot set issuer name");
  }
  return Status::ok_status();
}

Status add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);

  X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return openssl_status(StatusCode::kInternal,
                          std::string("cannot add extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
  return Status::ok_status();
}

Status sign_certificate(X509* certificate, EVP_PKEY* issuer_key) {
  if (X509_sign(certificate, issuer_key, EVP_sha256()) <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot sign certificate");
  }
  return Status::ok_status();
}

}  // namespace careid::pki::detail
