// Public keys on their own, for keys whose private half lives elsewhere (a PKCS#11 token).
#pragma once

#include <memory>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/certificate.h"

// OpenSSL's EVP_PKEY, declared here so that callers need not include OpenSSL headers.
struct evp_pkey_st;

namespace careid::pki {

// An owned public key (ECDSA or RSA). Move-only; a moved-from key is empty and may only be
// destroyed or assigned to.
class PublicKey {
 public:
  // Parses a DER SubjectPublicKeyInfo (RFC 5280 4.1.2.7). Bytes after it are InvalidArgument.
  static Result<PublicKey> from_der(ByteView der);

  // DER SubjectPublicKeyInfo.
  Result<Bytes> to_der() const;

  // True when `certificate` carries this public key.
  bool matches(const Certificate& certificate) const;

  // Borrowed OpenSSL handle, valid while this object lives.
  evp_pkey_st* native() const { return key_.get(); }

  // Takes ownership of an OpenSSL key; `key` must not be null. Only its public half is used.
  explicit PublicKey(evp_pkey_st* key) : key_(key) {}

 private:
  struct Deleter {
    void operator()(evp_pkey_st* key) const;
  };
  std::unique_ptr<evp_pkey_st, Deleter> key_;
};

}  // namespace careid::pki
