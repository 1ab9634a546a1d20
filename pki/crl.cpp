#include "pki/crl.h"

#include <openssl/pem.h>

#include <ctime>

#include "pki/files.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {
namespace {

using Clock = std::chrono::system_clock;
using CrlPtr = std::unique_ptr<X509_CRL, OpensslDeleter<X509_CRL_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, OpensslDeleter<ASN1_TIME_free>>;
using AsnIntegerPtr = std::unique_ptr<ASN1_INTEGER, OpensslDeleter<ASN1_INTEGER_free>>;
using AsnEnumeratedPtr = std::unique_ptr<ASN1_ENUMERATED, OpensslDeleter<ASN1_ENUMERATED_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, OpensslDeleter<X509_REVOKED_free>>;

Result<AsnTimePtr> to_asn1_time(Clock::time_point time) {
  AsnTimePtr asn1(ASN1_TIME_set(nullptr, Clock::to_time_t(time)));
  if (!asn1) {
    return openssl_status(StatusCode::kInternal, "cannot encode CRL time");
  }
  return asn1;
}

Result<AsnIntegerPtr> serial_from_hex(const std::string& serial_hex) {
  BIGNUM* raw = nullptr;
  if (serial_hex.empty() || BN_hex2bn(&raw, serial_hex.c_str()) != static_cast<int>(serial_hex.size())) {
    BN_free(raw);
    clear_openssl_errors();
    return Status::invalid_argument("invalid serial number '" + serial_hex + "' in the card registry");
  }
  BignumPtr number(raw);
  AsnIntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial) {
    return openssl_status(StatusCode::kInternal, "cannot encode serial number " + serial_hex);
  }
  return serial;
}

Status add_entry(X509_CRL* crl, const CardRecord& record) {
  if (record.status.state != CardState::kRevoked && record.status.state != CardState::kOnHold) {
    return Status::invalid_argument("card " + record.serial_hex + " is " +
                                    std::string(card_state_name(record.status.state)) +
                                    " and cannot be listed in a CRL");
  }
  auto serial = serial_from_hex(record.serial_hex);
  if (!serial.ok()) {
    return serial.status();
  }
  auto date = to_asn1_time(record.status.revoked_at.value_or(record.recorded_at));
  if (!date.ok()) {
    return date.status();
  }

  RevokedPtr entry(X509_REVOKED_new());
  if (!entry || X509_REVOKED_set_serialNumber(entry.get(), serial->get()) != 1 ||
      X509_REVOKED_set_revocationDate(entry.get(), date->get()) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot build CRL entry " + record.serial_hex);
  }

  // RFC 5280 5.3.1: the reasonCode extension should be absent rather than carry unspecified.
  if (record.status.reason != RevocationReason::kUnspecified) {
    AsnEnumeratedPtr reason(ASN1_ENUMERATED_new());
    if (!reason || ASN1_ENUMERATED_set(reason.get(), static_cast<long>(record.status.reason)) != 1 ||
        X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
      return openssl_status(StatusCode::kInternal, "cannot add the reason of CRL entry " + record.serial_hex);
    }
  }

  if (X509_CRL_add0_revoked(crl, entry.get()) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add CRL entry " + record.serial_hex);
  }
  entry.release();
  return Status::ok_status();
}

Status add_crl_extensions(X509_CRL* crl, const CertificateAuthority& ca, std::uint64_t number) {
  // RFC 5280 5.2.3: cRLNumber is a non-critical, monotonically increasing integer.
  AsnIntegerPtr crl_number(ASN1_INTEGER_new());
  if (!crl_number || ASN1_INTEGER_set_uint64(crl_number.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_crl_number, crl_number.get(), 0, 0) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add the CRL number");
  }

  // RFC 5280 5.2.1: the authorityKeyIdentifier must be present, taken from the CA's key id.
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, ca.certificate().native(), nullptr, nullptr, crl, 0);
  X509ExtensionPtr key_id(X509V3_EXT_nconf_nid(nullptr, &context, NID_authority_key_identifier, "keyid:always"));
  if (!key_id || X509_CRL_add_ext(crl, key_id.get(), -1) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot add the CRL authority key identifier");
  }
  return Status::ok_status();
}

Status set_header(X509_CRL* crl, const CertificateAuthority& ca, Clock::time_point this_update,
                  Clock::time_point next_update) {
  auto last = to_asn1_time(this_update);
  if (!last.ok()) {
    return last.status();
  }
  auto next = to_asn1_time(next_update);
  if (!next.ok()) {
    return next.status();
  }
  if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.certificate().native())) != 1 ||
      X509_CRL_set1_lastUpdate(crl, last->get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl, next->get()) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot set the CRL header");
  }
  return Status::ok_status();
}

Status encode(X509_CRL* crl, IssuedCrl& issued) {
  unsigned char* der = nullptr;
  int size = i2d_X509_CRL(crl, &der);
  if (size <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot encode the CRL");
  }
  issued.der.assign(der, der + size);
  OPENSSL_free(der);

  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot write the CRL as PEM");
  }
  auto pem = memory_bio_contents(bio.get());
  if (!pem.ok()) {
    return pem.status();
  }
  issued.pem = std::move(*pem);
  return Status::ok_status();
}

// Writes `contents` next to `path` and renames it over `path`.
Status replace_file(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path temporary = path;
  temporary += ".new";
  CAREID_RETURN_IF_ERROR(write_public_file(temporary, contents));
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return Status::io_error("cannot replace " + path.string() + ": " + error.message());
  }
  return Status::ok_status();
}

}  // namespace

RevocationUrls card_revocation_urls(std::string_view public_url) {
  while (public_url.ends_with('/')) {
    public_url.remove_suffix(1);
  }
  std::string base(public_url);
  return RevocationUrls{base + "/pki/crl", base + "/pki/ocsp"};
}

Result<IssuedCrl> build_crl(const CertificateAuthority& ca, const std::vector<CardRecord>& revoked,
                            std::uint64_t number, const CrlOptions& options) {
  if (options.validity < std::chrono::seconds(1)) {
    return Status::invalid_argument("CRL validity must be at least one second");
  }
  IssuedCrl issued;
  issued.number = number;
  issued.this_update = std::chrono::floor<std::chrono::seconds>(options.this_update.value_or(Clock::now()));
  issued.next_update = issued.this_update + options.validity;
  issued.entries = revoked.size();

  CrlPtr crl(X509_CRL_new());
  if (!crl) {
    return openssl_status(StatusCode::kInternal, "cannot allocate a CRL");
  }
  CAREID_RETURN_IF_ERROR(set_header(crl.get(), ca, issued.this_update, issued.next_update));
  for (const CardRecord& record : revoked) {
    CAREID_RETURN_IF_ERROR(add_entry(crl.get(), record));
  }
  CAREID_RETURN_IF_ERROR(add_crl_extensions(crl.get(), ca, number));

  // X509_CRL_sort orders the entries by serial and marks the encoding as changed.
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), ca.private_key().native(), EVP_sha256()) <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot sign the CRL");
  }
  CAREID_RETURN_IF_ERROR(encode(crl.get(), issued));
  return issued;
}

Result<IssuedCrl> publish_crl(const CertificateAuthority& ca, CardRegistry& registry,
                              const PkiLayout& layout, const CrlOptions& options) {
  auto revoked = registry.revoked_cards();
  if (!revoked.ok()) {
    return revoked.status();
  }
  auto number = registry.next_crl_number();
  if (!number.ok()) {
    return number.status();
  }
  auto crl = build_crl(ca, *revoked, *number, options);
  if (!crl.ok()) {
    return crl.status();
  }

  CAREID_RETURN_IF_ERROR(replace_file(layout.crl_der(), to_string(crl->der)));
  CAREID_RETURN_IF_ERROR(replace_file(layout.crl_pem(), crl->pem));
  return crl;
}

}  // namespace careid::pki
