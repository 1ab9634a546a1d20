// JOSE for the OpenID provider: base64url (RFC 7515 2), signing keys with their JWK form
// (RFC 7517, key ids by RFC 7638 thumbprint) and compact JWS tokens carrying JWT claims
// (RFC 7519).
//
// Verification is strict, because tokens come back from clients. A token has at most
// kMaxTokenBytes and exactly three base64url parts without padding or whitespace. Its header
// is a JSON object without "crit", whose "alg" is in the caller's allow-list and matches the
// key named by "kid". "none" and HMAC algorithms are never accepted, because
// parse_jws_algorithm accepts only ES256 and RS256.
//
// Thread safety: a KeySet is immutable after construction and may be shared between threads.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/jws_signing.h"
#include "pki/key.h"

namespace careid::federation::oidc {

using Json = nlohmann::json;

// Maximum size of a compact JWS that verify_jwt reads, far above the size of careid's own
// tokens.
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

// Base64url without padding (RFC 7515 2, RFC 4648 5).
std::string base64url_encode(pki::ByteView data);
std::string base64url_encode(std::string_view text);

// Strict decoding: only A-Z a-z 0-9 '-' '_', no '=' and no whitespace, a length that is not
// 1 modulo 4, and zero unused bits in the last character. Anything else is InvalidArgument.
Result<std::string> base64url_decode(std::string_view text);

// Parses a JWS "alg" name. Only "ES256" and "RS256" are known; "none", "HS256" and every
// other name is InvalidArgument.
Result<pki::JwsAlgorithm> parse_jws_algorithm(std::string_view name);

struct SigningKey {
  std::string kid;  // RFC 7638 SHA-256 thumbprint of the public JWK, base64url
  pki::JwsAlgorithm algorithm = pki::JwsAlgorithm::kEs256;
  pki::PrivateKey key;
  Json public_jwk;  // kty, crv/x/y or n/e, plus kid, alg and "use": "sig"
};

// The provider's keys. The first key signs new tokens. Every key verifies and is published,
// so during a rollover the old key stays listed until its tokens have expired.
class KeySet {
 public:
  // Fails with InvalidArgument when `keys` is empty or a key cannot sign JWS (see
  // pki::jws_algorithm_for), and with AlreadyExists when two keys share a kid.
  static Result<KeySet> create(std::vector<pki::PrivateKey> keys);

  const SigningKey& signing_key() const { return keys_.front(); }
  const SigningKey* find(std::string_view kid) const;

  // The JWK Set document (RFC 7517 5): {"keys": [...]}, public members only.
  Json jwks() const;

  // Every algorithm of the set, signing key first; the allow-list for verify_jwt.
  std::vector<pki::JwsAlgorithm> algorithms() const;

 private:
  std::vector<SigningKey> keys_;
};

// Signs `claims` as a compact JWS with header {"alg", "kid", "typ": `typ`}.
Result<std::string> sign_jwt(const SigningKey& key, std::string_view typ, const Json& claims);

struct VerifiedJwt {
  Json header;
  Json claims;
};

// A compact JWS split into its parts; nothing in it is verified yet.
struct CompactJws {
  Json header;                    // a JSON object without "crit"
  Json claims;                    // a JSON object
  std::string_view signing_input;  // header.payload, as received; views the token
  std::string signature;          // decoded
};

// Splits and decodes `token` with the size, part and base64url rules above. Every failure is
// InvalidArgument and its message never contains the token.
Result<CompactJws> parse_compact_jws(std::string_view token);

// Verifies a compact JWS made by sign_jwt and returns its header and claims (a JSON object).
// `typ` must equal the header's "typ", so that an ID token is never taken for an access
// token. Every failure is InvalidArgument (malformed) or PermissionDenied (bad signature,
// unknown kid, algorithm not allowed); the message never contains the token. Claims such as
// exp and iss are the caller's to check.
Result<VerifiedJwt> verify_jwt(const KeySet& keys, std::string_view token, std::string_view typ,
                               std::span<const pki::JwsAlgorithm> allowed);

}  // namespace careid::federation::oidc
