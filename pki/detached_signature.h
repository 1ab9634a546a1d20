// Signatures over a byte string, outside any XML: the SAML HTTP-Redirect binding signs its
// query string this way (SAML Bindings 3.4.4.1).
//
// Thread-safe: every call works on its own OpenSSL context.
#pragma once

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/certificate.h"
#include "pki/key.h"

namespace careid::pki {

enum class SignatureDigest { kSha256, kSha384, kSha512 };

// Encoding of an ECDSA signature value. RSA signatures have only one encoding.
enum class EcdsaEncoding {
  kRaw,  // r || s, each as long as the curve order, as XML Signature uses it
  kDer,  // the ASN.1 ECDSA-Sig-Value of RFC 5480 and OpenSSL
};

// Verifies `signature` over `data` with the public key of `certificate` (RSA PKCS#1 v1.5 or
// ECDSA) and `digest`. The certificate's validity and chain are not checked: the caller
// trusts it because it came from configured metadata. Errors:
//   kPermissionDenied  the signature does not match (wrong key, tampered data or signature)
//   kInvalidArgument   the key is neither RSA nor EC, or a raw ECDSA value has the wrong length
Status verify_detached_signature(const Certificate& certificate, SignatureDigest digest,
                                 ByteView data, ByteView signature,
                                 EcdsaEncoding ecdsa_encoding = EcdsaEncoding::kRaw);

// Signs `data` with `key` (RSA PKCS#1 v1.5 or ECDSA) and `digest`, the counterpart of
// verify_detached_signature for messages careid sends with the HTTP-Redirect binding.
// kInvalidArgument for another key type; kInternal when OpenSSL fails.
Result<Bytes> sign_detached(const PrivateKey& key, SignatureDigest digest, ByteView data,
                            EcdsaEncoding ecdsa_encoding = EcdsaEncoding::kRaw);

}  // namespace careid::pki
