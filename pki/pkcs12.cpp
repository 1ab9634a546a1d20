#include "pki/pkcs12.h"

#include <string>

#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {

namespace {

Result<X509StackPtr> make_chain(const Certificate* issuer) {
  X509StackPtr chain(sk_X509_new_null());
  if (!chain) {
    return openssl_status(StatusCode::kInternal, "cannot allocate certificate chain");
  }
  if (issuer != nullptr) {
    if (X509_up_ref(issuer->native()) != 1) {
      return openssl_status(StatusCode::kInternal, "cannot reference issuer certificate");
    }
    if (sk_X509_push(chain.get(), issuer->native()) == 0) {
      X509_free(issuer->native());
      return openssl_status(StatusCode::kInternal, "cannot add issuer certificate to chain");
    }
  }
  return chain;
}

}  // namespace

Result<Bytes> export_pkcs12(const CertifiedKey& item, std::string_view password,
                            std::string_view friendly_name, const Certificate* issuer) {
  if (password.empty() || password.find('\0') != std::string_view::npos) {
    return Status::invalid_argument("PKCS#12 password must be non-empty and contain no NUL byte");
  }
  auto chain = make_chain(issuer);
  if (!chain.ok()) {
    return chain.status();
  }

  std::string password_text(password);
  std::string name(friendly_name);
  Pkcs12Ptr pkcs12(PKCS12_create_ex(password_text.c_str(), name.empty() ? nullptr : name.c_str(),
                                    item.key.native(), item.certificate.native(), chain->get(),
                                    NID_aes_256_cbc, NID_aes_256_cbc, kPkcs12Iterations,
                                    kPkcs12Iterations, 0, nullptr, nullptr));
  OPENSSL_cleanse(password_text.data(), password_text.size());
  if (!pkcs12) {
    return openssl_status(StatusCode::kInternal, "cannot create PKCS#12");
  }

  int length = i2d_PKCS12(pkcs12.get(), nullptr);
  if (length <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot encode PKCS#12");
  }
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  if (i2d_PKCS12(pkcs12.get(), &cursor) != length) {
    return openssl_status(StatusCode::kInternal, "cannot encode PKCS#12");
  }
  return der;
}

}  // namespace careid::pki
