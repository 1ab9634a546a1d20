// The delegated OCSP responder certificate: issuance and loading (see ocsp_responder.h).
#include <filesystem>

#include "pki/ocsp_responder.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"
#include "pki/x509_builder.h"

#include "base/log.h"

namespace careid::pki {
namespace {

using Clock = std::chrono::system_clock;

Status add_signer_extensions(X509* certificate, X509* issuer) {
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_key_usage, "critical,digitalSignature"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_ext_key_usage, "OCSPSigning"));
  // RFC 6960 4.2.2.2.1: id-pkix-ocsp-nocheck, whose value is NULL; OpenSSL ignores the text.
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_id_pkix_OCSP_noCheck, "ignored"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_subject_key_identifier, "hash"));
  return detail::add_extension(certificate, issuer, NID_authority_key_identifier, "keyid:always");
}

// True when `signer` was issued by `ca` and stays valid for more than a quarter of its
// lifetime from now.
bool is_usable_signer(const CertifiedKey& signer, const CertificateAuthority& ca) {
  X509* certificate = signer.certificate.native();
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.certificate().native());
  if (ca_key == nullptr || X509_verify(certificate, ca_key) != 1 ||
      X509_check_private_key(certificate, signer.key.native()) != 1) {
    clear_openssl_errors();
    return false;
  }
  auto info = signer.certificate.info();
  if (!info.ok()) {
    return false;
  }
  auto quarter = (info->not_after - info->not_before) / 4;
  return Clock::now() + quarter < info->not_after;
}

}  // namespace

Result<CertifiedKey> issue_ocsp_signing_certificate(const CertificateAuthority& ca,
                                                    std::uint32_t validity_days) {
  auto key = PrivateKey::generate(KeyType::kEcdsaP256);
  if (!key.ok()) {
    return key.status();
  }
  detail::CertificateFields fields{{{"O", "nhs"}, {"CN", "careid OCSP Responder"}},
                                   key->native(), Clock::now(), validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }
  X509* issuer = ca.certificate().native();
  CAREID_RETURN_IF_ERROR(detail::set_issuer(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(add_signer_extensions(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(certificate->get(), ca.private_key().native()));
  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

Result<CertifiedKey> load_or_issue_ocsp_signer(const CertificateAuthority& ca, const PkiLayout& layout) {
  const auto certificate_path = layout.ocsp_signing_certificate();
  const auto key_path = layout.ocsp_signing_key();
  std::error_code error;
  if (std::filesystem::exists(certificate_path, error) && std::filesystem::exists(key_path, error)) {
    auto certificate = Certificate::load_file(certificate_path);
    auto key = PrivateKey::load_pem_file(key_path);
    if (!key.ok() && key.status().code() == StatusCode::kFailedPrecondition) {
      return key.status();  // a key readable by others: the operator must fix its mode
    }
    if (certificate.ok() && key.ok()) {
      CertifiedKey signer{std::move(*certificate), std::move(*key)};
      if (is_usable_signer(signer, ca)) {
        return signer;
      }
    }
    log::get("pki")->info("replacing the OCSP responder certificate {}: expiring, unreadable or "
                          "not issued by the card CA", certificate_path.string());
  }

  // Key files are never overwritten in place (pki/files.h), so remove the old pair first.
  std::filesystem::remove(certificate_path, error);
  std::filesystem::remove(key_path, error);
  auto signer = issue_ocsp_signing_certificate(ca);
  if (!signer.ok()) {
    return signer.status();
  }
  CAREID_RETURN_IF_ERROR(signer->key.write_pem_file(key_path));
  CAREID_RETURN_IF_ERROR(signer->certificate.write_pem_file(certificate_path));
  return signer;
}

}  // namespace careid::pki
