#include "pki/ca.h"

#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"
#include "pki/x509_builder.h"

namespace careid::pki {

namespace {

constexpr std::size_t kCardUidDigits = 12;

std::chrono::system_clock::time_point start_time(
    const std::optional<std::chrono::system_clock::time_point>& not_before) {
  return not_before.value_or(std::chrono::system_clock::now());
}

Status check_is_ca(const CertifiedKey& ca) {
  // X509_check_ca returns 1 for a certificate with basicConstraints CA:TRUE (and keyCertSign
  // when keyUsage is present); other non-zero values mean legacy forms careid does not issue.
  if (X509_check_ca(ca.certificate.native()) != 1) {
    clear_openssl_errors();
    return Status::invalid_argument("certificate is not a CA (basicConstraints CA:TRUE missing)");
  }
  if (X509_check_private_key(ca.certificate.native(), ca.key.native()) != 1) {
    return openssl_status(StatusCode::kInvalidArgument,
                          "CA private key does not match the CA certificate");
  }
  return Status::ok_status();
}

Status add_card_extensions(X509* certificate, X509* issuer) {
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_key_usage, "critical,digitalSignature"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_ext_key_usage, "clientAuth"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(certificate, issuer, NID_subject_key_identifier, "hash"));
  return detail::add_extension(certificate, issuer, NID_authority_key_identifier, "keyid:always");
}

}  // namespace

Result<CertifiedKey> create_self_signed_ca(const CaOptions& options) {
  if (options.common_name.empty() || options.organization.empty()) {
    return Status::invalid_argument("CA common name and organization must not be empty");
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }

  detail::CertificateFields fields{{{"O", options.organization}, {"CN", options.common_name}},
                                   key->native(),
                                   start_time(options.not_before),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }
  X509* x509 = certificate->get();

  // RFC 5280 4.2.1.9: pathlen 0 because this CA signs end-entity certificates only.
  CAREID_RETURN_IF_ERROR(detail::set_issuer(x509, x509));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_key_usage, "critical,keyCertSign,cRLSign"));
  CAREID_RETURN_IF_ERROR(detail::add_extension(x509, x509, NID_subject_key_identifier, "hash"));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(x509, key->native()));

  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

bool is_valid_card_uid(std::string_view uid) {
  if (uid.size() != kCardUidDigits) {
    return false;
  }
  for (char c : uid) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

Result<CertificateAuthority> CertificateAuthority::create(CertifiedKey ca) {
  CAREID_RETURN_IF_ERROR(check_is_ca(ca));
  return CertificateAuthority(std::move(ca));
}

Result<CertificateAuthority> CertificateAuthority::load(
    const std::filesystem::path& certificate_path, const std::filesystem::path& key_path) {
  auto certificate = Certificate::load_file(certificate_path);
  if (!certificate.ok()) {
    return certificate.status();
  }
  auto key = PrivateKey::load_pem_file(key_path);
  if (!key.ok()) {
    return key.status();
  }
  return create(CertifiedKey{std::move(*certificate), std::move(*key)});
}

Result<CertifiedKey> CertificateAuthority::issue_card_certificate(
    std::string_view uid, const CardCertificateOptions& options) const {
  if (!is_valid_card_uid(uid)) {
    return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                    "': expected exactly 12 digits");
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }

  detail::CertificateFields fields{{{"O", "nhs"}, {"OU", "people"}, {"CN", std::string(uid)}},
                                   key->native(),
                                   start_time(options.not_before),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }

  X509* issuer = ca_.certificate.native();
  CAREID_RETURN_IF_ERROR(detail::set_issuer(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(add_card_extensions(certificate->get(), issuer));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(certificate->get(), ca_.key.native()));
  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

}  // namespace careid::pki
