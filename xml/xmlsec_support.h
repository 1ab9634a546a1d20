// Shared internals of xml/'s xmlsec code: RAII holders, error capture and the key types
// behind SigningKey and VerificationKey. Included only by xml/*.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>

#include "base/status.h"
#include "xml/signature.h"

namespace careid::xml::detail {

struct KeyDeleter {
  void operator()(xmlSecKey* key) const { xmlSecKeyDestroy(key); }
};
using KeyPtr = std::unique_ptr<xmlSecKey, KeyDeleter>;

struct DSigContextDeleter {
  void operator()(xmlSecDSigCtx* ctx) const { xmlSecDSigCtxDestroy(ctx); }
};
using DSigContextPtr = std::unique_ptr<xmlSecDSigCtx, DSigContextDeleter>;

struct KeysManagerDeleter {
  void operator()(xmlSecKeysMngr* manager) const { xmlSecKeysMngrDestroy(manager); }
};
using KeysManagerPtr = std::unique_ptr<xmlSecKeysMngr, KeysManagerDeleter>;

struct EncContextDeleter {
  void operator()(xmlSecEncCtx* ctx) const { xmlSecEncCtxDestroy(ctx); }
};
using EncContextPtr = std::unique_ptr<xmlSecEncCtx, EncContextDeleter>;

// Forgets any xmlsec error recorded on this thread; call before an xmlsec operation.
void clear_xmlsec_error();
// Returns kInternal with `what` and the first xmlsec error recorded on this thread since
// the last clear, and clears it.
Status xmlsec_error(std::string_view what);

// Holds one xmlsec key. xmlSecKeyDuplicate only reads the source key, but xmlsec 1.2 does
// not document it as thread-safe, so duplication is serialised.
class SharedKey {
 public:
  explicit SharedKey(KeyPtr key) : key_(std::move(key)) {}
  xmlSecKeyPtr get() const { return key_.get(); }
  KeyPtr duplicate() const {
    std::lock_guard lock(mutex_);
    return KeyPtr(xmlSecKeyDuplicate(key_.get()));
  }

 private:
  KeyPtr key_;
  mutable std::mutex mutex_;
};

inline const xmlChar* to_xml(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline const xmlChar* to_xml(const std::string& s) {
  return reinterpret_cast<const xmlChar*>(s.c_str());
}

}  // namespace careid::xml::detail

namespace careid::xml {

struct SigningKey::Impl {
  Impl(detail::KeyPtr k, detail::KeyPtr bare) : key(std::move(k)), private_key(std::move(bare)) {}
  // The private key with its certificate as xmlsec X509 key data.
  detail::SharedKey key;
  // The same private key without the certificate, for signing. Each signature works on a
  // duplicate, and duplicating the certificate would decode it again every time.
  detail::SharedKey private_key;
  KeyType type = KeyType::kRsa;
  std::string certificate_base64;
};

struct VerificationKey::Impl {
  explicit Impl(detail::KeyPtr k) : key(std::move(k)) {}
  detail::SharedKey key;
};

}  // namespace careid::xml
