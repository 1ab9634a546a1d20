// Signatures for JSON Web Signature (RFC 7515) with careid's private keys, and the public
// key components that a JSON Web Key (RFC 7517) publishes.
//
// Two algorithms only (RFC 7518 3.3 and 3.4): RS256 (RSA PKCS#1 v1.5 with SHA-256, keys of
// at least 2048 bits) and ES256 (ECDSA on P-256 with SHA-256). An ES256 signature is the
// 64-byte concatenation r || s (RFC 7518 3.4), not OpenSSL's DER form.
//
// Thread-safe: every call works on its own OpenSSL context.
#pragma once

#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/key.h"

namespace careid::pki {

enum class JwsAlgorithm { kEs256, kRs256 };

// "ES256" or "RS256", the JWS "alg" names.
std::string_view jws_algorithm_name(JwsAlgorithm algorithm);

// Returns the algorithm `key` signs with: ES256 for a P-256 key, RS256 for RSA of 2048 bits
// or more. Any other key is InvalidArgument.
Result<JwsAlgorithm> jws_algorithm_for(const PrivateKey& key);

// Signs the JWS signing input (ASCII(BASE64URL(header) || '.' || BASE64URL(payload))).
Result<Bytes> jws_sign(const PrivateKey& key, ByteView signing_input);

// Verifies `signature` over `signing_input` with the public half of `key`. kPermissionDenied
// when the signature does not match, InvalidArgument when an ES256 value is not 64 bytes.
Status jws_verify(const PrivateKey& key, ByteView signing_input, ByteView signature);

// Public key components in big-endian byte order, as JWK members carry them (RFC 7518 6.2
// and 6.3): `x` and `y` (32 bytes each) for EC P-256, `n` and `e` (no leading zero bytes)
// for RSA.
struct PublicKeyComponents {
  JwsAlgorithm algorithm = JwsAlgorithm::kEs256;
  Bytes x;
  Bytes y;
  Bytes n;
  Bytes e;
};

Result<PublicKeyComponents> public_key_components(const PrivateKey& key);

}  // namespace careid::pki
