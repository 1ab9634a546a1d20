#include "pki/public_key.h"

#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {

void PublicKey::Deleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Result<PublicKey> PublicKey::from_der(ByteView der) {
  const unsigned char* cursor = der.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()));
  if (key == nullptr) {
    return openssl_status(StatusCode::kInvalidArgument, "invalid DER SubjectPublicKeyInfo");
  }
  PublicKey owned(key);
  if (cursor != der.data() + der.size()) {
    return Status::invalid_argument("bytes after the DER SubjectPublicKeyInfo");
  }
  return owned;
}

Result<Bytes> PublicKey::to_der() const {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot encode the public key as DER");
  }
  OpensslCharPtr owner(reinterpret_cast<char*>(der));
  return Bytes(der, der + length);
}

bool PublicKey::matches(const Certificate& certificate) const {
  const EVP_PKEY* certified = X509_get0_pubkey(certificate.native());
  bool equal = certified != nullptr && EVP_PKEY_eq(certified, key_.get()) == 1;
  clear_openssl_errors();
  return equal;
}

}  // namespace careid::pki
