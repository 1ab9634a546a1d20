// RAII owners for the OpenSSL objects that pki creates. This header includes OpenSSL, so only
// pki's .cpp files and the HTTPS TLS set-up may include it. pki's public headers
// forward-declare the few OpenSSL types they expose.
#pragma once

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/status.h"
#include "pki/openssl_error.h"

namespace careid::pki {

// Deleter that calls OpenSSL's free function `Free` (whose return value, if any, is ignored).
template <auto Free>
struct OpensslDeleter {
  template <class T>
  void operator()(T* object) const {
    Free(object);
  }
};

using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpensslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, OpensslDeleter<PKCS12_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<X509_STORE_CTX_free>>;

// Frees an OpenSSL-allocated buffer (OPENSSL_free is a macro, so it cannot be a template
// argument).
struct OpensslFree {
  void operator()(void* pointer) const { OPENSSL_free(pointer); }
};
using OpensslCharPtr = std::unique_ptr<char, OpensslFree>;

// Frees a STACK_OF(X509) and the certificates it owns.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Returns a read-only memory BIO over `data`; the BIO borrows the bytes, which must outlive it.
inline BioPtr make_memory_bio(const void* data, std::size_t size) {
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(size)));
}

// Copies the bytes written so far to a memory BIO.
inline Result<std::string> memory_bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || (size > 0 && data == nullptr)) {
    return openssl_status(StatusCode::kInternal, "cannot read memory BIO");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace careid::pki
