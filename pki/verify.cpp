#include <string>

#include "pki/certificate.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {

namespace {

std::string subject_of(const Certificate& certificate) {
  auto info = certificate.info();
  return info.ok() ? info->subject : std::string("(unreadable subject)");
}

Status rejected(const Certificate& certificate, std::string_view reason) {
  clear_openssl_errors();
  return Status::permission_denied("certificate " + subject_of(certificate) +
                                   " failed verification: " + std::string(reason));
}

// X509_verify_cert accepts a leaf without extendedKeyUsage for any purpose. careid requires
// the extension to list the purpose, so a certificate issued for another use (a CA, a SAML
// signing key) can neither log in nor serve TLS.
bool has_extended_key_usage(X509* certificate, CertificatePurpose purpose) {
  uint32_t flags = X509_get_extension_flags(certificate);
  if ((flags & EXFLAG_INVALID) != 0 || (flags & EXFLAG_XKUSAGE) == 0) {
    return false;
  }
  uint32_t required = purpose == CertificatePurpose::kClientAuth ? XKU_SSL_CLIENT : XKU_SSL_SERVER;
  return (X509_get_extended_key_usage(certificate) & required) != 0;
}

Result<X509StoreCtxPtr> make_context(const Certificate& certificate, const Certificate& ca,
                                     const VerifyOptions& options, X509_STORE* store) {
  if (X509_STORE_add_cert(store, ca.native()) != 1) {
    return openssl_status(StatusCode::kPermissionDenied, "cannot add CA certificate to store");
  }

  X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), store, certificate.native(), nullptr) != 1) {
    return openssl_status(StatusCode::kPermissionDenied, "cannot set up certificate verification");
  }

  int purpose = options.purpose == CertificatePurpose::kClientAuth ? X509_PURPOSE_SSL_CLIENT
                                                                   : X509_PURPOSE_SSL_SERVER;
  if (X509_STORE_CTX_set_purpose(context.get(), purpose) != 1) {
    return openssl_status(StatusCode::kPermissionDenied, "cannot set verification purpose");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  if (options.at) {
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*options.at));
  }
  return context;
}

}  // namespace

Status verify_certificate(const Certificate& certificate, const Certificate& ca,
                          const VerifyOptions& options) {
  X509StorePtr store(X509_STORE_new());
  if (!store) {
    return openssl_status(StatusCode::kPermissionDenied, "cannot create certificate store");
  }
  auto context = make_context(certificate, ca, options, store.get());
  if (!context.ok()) {
    return context.status();
  }

  // X509_verify_cert returns 1 for success, 0 for a rejected certificate and a negative value
  // for an internal error; only 1 passes.
  int result = X509_verify_cert(context->get());
  if (result < 0) {
    return openssl_status(StatusCode::kPermissionDenied, "certificate verification failed");
  }
  if (result != 1) {
    int error = X509_STORE_CTX_get_error(context->get());
    int depth = X509_STORE_CTX_get_error_depth(context->get());
    return rejected(certificate, std::string(X509_verify_cert_error_string(error)) +
                                     " (at chain depth " + std::to_string(depth) + ")");
  }

  if (!has_extended_key_usage(certificate.native(), options.purpose)) {
    const char* usage =
        options.purpose == CertificatePurpose::kClientAuth ? "clientAuth" : "serverAuth";
    return rejected(certificate,
                    std::string("extendedKeyUsage is missing or does not list ") + usage);
  }
  clear_openssl_errors();
  return Status::ok_status();
}

}  // namespace careid::pki
