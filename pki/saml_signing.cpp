#include "pki/saml_signing.h"

#include "pki/openssl_handles.h"
#include "pki/x509_builder.h"

namespace careid::pki {

Result<CertifiedKey> create_saml_signing_certificate(const SamlSigningOptions& options) {
  if (options.common_name.empty() || options.organization.empty()) {
    return Status::invalid_argument(
        "SAML signing certificate common name and organization must not be empty");
  }
  auto key = PrivateKey::generate(options.key_type);
  if (!key.ok()) {
    return key.status();
  }

  detail::CertificateFields fields{{{"O", options.organization}, {"CN", options.common_name}},
                                   key->native(),
                                   options.not_before.value_or(std::chrono::system_clock::now()),
                                   options.validity_days};
  auto certificate = detail::start_certificate(fields);
  if (!certificate.ok()) {
    return certificate.status();
  }
  X509* x509 = certificate->get();

  CAREID_RETURN_IF_ERROR(detail::set_issuer(x509, x509));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_basic_constraints, "critical,CA:FALSE"));
  CAREID_RETURN_IF_ERROR(
      detail::add_extension(x509, x509, NID_key_usage, "critical,digitalSignature"));
  CAREID_RETURN_IF_ERROR(detail::add_extension(x509, x509, NID_subject_key_identifier, "hash"));
  CAREID_RETURN_IF_ERROR(detail::sign_certificate(x509, key->native()));

  return CertifiedKey{Certificate(certificate->release()), std::move(*key)};
}

}  // namespace careid::pki
