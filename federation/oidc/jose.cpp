#include "federation/oidc/jose.h"

#include <algorithm>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 7638 3: the required members only, in lexicographic order, no whitespace. Json objects
// keep their keys sorted and dump() adds no whitespace, so dump() is the canonical form.
Json thumbprint_members(const pki::PublicKeyComponents& components) {
  if (components.algorithm == pki::JwsAlgorithm::kRs256) {
    return Json{{"e", base64url_encode(components.e)},
                {"kty", "RSA"},
                {"n", base64url_encode(components.n)}};
  }
  return Json{{"crv", "P-256"},
              {"kty", "EC"},
              {"x", base64url_encode(components.x)},
              {"y", base64url_encode(components.y)}};
}

Result<SigningKey> make_signing_key(pki::PrivateKey key) {
  Result<pki::PublicKeyComponents> components = pki::public_key_components(key);
  if (!components.ok()) {
    return components.status();
  }
  Json jwk = thumbprint_members(*components);
  Result<pki::Bytes> digest = pki::sha256(pki::as_bytes(jwk.dump()));
  if (!digest.ok()) {
    return digest.status();
  }

  SigningKey signing{base64url_encode(*digest), components->algorithm, std::move(key), {}};
  jwk["kid"] = signing.kid;
  jwk["alg"] = std::string(pki::jws_algorithm_name(signing.algorithm));
  jwk["use"] = "sig";
  signing.public_jwk = std::move(jwk);
  return signing;
}

Result<Json> parse_json_object(std::string_view encoded, std::string_view what) {
  Result<std::string> text = base64url_decode(encoded);
  if (!text.ok()) {
    return Status::invalid_argument(std::string(what) + " is not valid base64url");
  }
  Json value = Json::parse(*text, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    return Status::invalid_argument(std::string(what) + " is not a JSON object");
  }
  return value;
}

// Checks the header against the key set and allow-list; returns the key that must verify.
Result<const SigningKey*> select_key(const KeySet& keys, const Json& header, std::string_view typ,
                                     std::span<const pki::JwsAlgorithm> allowed) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return Status::invalid_argument("JWS header has no alg");
  }
  Result<pki::JwsAlgorithm> algorithm = parse_jws_algorithm(alg->get<std::string>());
  if (!algorithm.ok() || std::find(allowed.begin(), allowed.end(), *algorithm) == allowed.end()) {
    return Status::permission_denied("JWS algorithm is not allowed");
  }

  auto type = header.find("typ");
  if (type == header.end() || !type->is_string() || type->get<std::string>() != typ) {
    return Status::invalid_argument("JWS typ is not " + std::string(typ));
  }
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    return Status::invalid_argument("JWS header has no kid");
  }
  const SigningKey* key = keys.find(kid->get<std::string>());
  if (key == nullptr || key->algorithm != *algorithm) {
    return Status::permission_denied("JWS kid names no key for this algorithm");
  }
  return key;
}

}  // namespace

std::string base64url_encode(pki::ByteView data) {
  std::string text = pki::base64_encode(data, pki::Base64Padding::kNone);
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

std::string base64url_encode(std::string_view text) { return base64url_encode(pki::as_bytes(text)); }

Result<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return Status::invalid_argument("base64url text has an impossible length");
  }
  std::string standard(text);
  for (char& c : standard) {
    if (!is_base64url_char(c)) {
      return Status::invalid_argument("base64url text has a character outside the alphabet");
    }
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    }
  }
  // pki::base64_decode rejects non-zero unused bits, so each value has one encoding.
  Result<pki::Bytes> bytes = pki::base64_decode(standard, pki::Base64Padding::kNone);
  if (!bytes.ok()) {
    return bytes.status();
  }
  return pki::to_string(*bytes);
}

Result<pki::JwsAlgorithm> parse_jws_algorithm(std::string_view name) {
  if (name == "ES256") {
    return pki::JwsAlgorithm::kEs256;
  }
  if (name == "RS256") {
    return pki::JwsAlgorithm::kRs256;
  }
  return Status::invalid_argument("unsupported JWS algorithm");
}

Result<KeySet> KeySet::create(std::vector<pki::PrivateKey> keys) {
  if (keys.empty()) {
    return Status::invalid_argument("the OpenID provider needs at least one signing key");
  }
  KeySet set;
  for (pki::PrivateKey& key : keys) {
    Result<SigningKey> signing = make_signing_key(std::move(key));
    if (!signing.ok()) {
      return signing.status();
    }
    if (set.find(signing->kid) != nullptr) {
      return Status::already_exists("signing key " + signing->kid + " is listed twice");
    }
    set.keys_.push_back(std::move(*signing));
  }
  return set;
}

const SigningKey* KeySet::find(std::string_view kid) const {
  for (const SigningKey& key : keys_) {
    if (key.kid == kid) {
      return &key;
    }
  }
  return nullptr;
}

Json KeySet::jwks() const {
  Json keys = Json::array();
  for (const SigningKey& key : keys_) {
    keys.push_back(key.public_jwk);
  }
  return Json{{"keys", std::move(keys)}};
}

std::vector<pki::JwsAlgorithm> KeySet::algorithms() const {
  std::vector<pki::JwsAlgorithm> algorithms;
  for (const SigningKey& key : keys_) {
    if (std::find(algorithms.begin(), algorithms.end(), key.algorithm) == algorithms.end()) {
      algorithms.push_back(key.algorithm);
    }
  }
  return algorithms;
}

Result<std::string> sign_jwt(const SigningKey& key, std::string_view typ, const Json& claims) {
  Json header{{"alg", std::string(pki::jws_algorithm_name(key.algorithm))},
              {"kid", key.kid},
              {"typ", std::string(typ)}};
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());

  Result<pki::Bytes> signature = pki::jws_sign(key.key, pki::as_bytes(input));
  if (!signature.ok()) {
    return signature.status();
  }
  return input + "." + base64url_encode(*signature);
}

Result<CompactJws> parse_compact_jws(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return Status::invalid_argument("token is longer than " + std::to_string(kMaxTokenBytes) +
                                    " bytes");
  }
  std::size_t first = token.find('.');
  std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Status::invalid_argument("token is not a compact JWS of three parts");
  }

  Result<Json> header = parse_json_object(token.substr(0, first), "JWS header");
  if (!header.ok()) {
    return header.status();
  }
  // RFC 7515 4.1.11: a recipient must reject "crit" extensions it does not understand, and
  // careid understands none.
  if (header->contains("crit")) {
    return Status::invalid_argument("JWS header has a crit member");
  }
  Result<Json> claims = parse_json_object(token.substr(first + 1, second - first - 1), "JWT claims");
  if (!claims.ok()) {
    return claims.status();
  }
  Result<std::string> signature = base64url_decode(token.substr(second + 1));
  if (!signature.ok()) {
    return Status::invalid_argument("JWS signature is not valid base64url");
  }
  return CompactJws{std::move(*header), std::move(*claims), token.substr(0, second),
                    std::move(*signature)};
}

Result<VerifiedJwt> verify_jwt(const KeySet& keys, std::string_view token, std::string_view typ,
                               std::span<const pki::JwsAlgorithm> allowed) {
  Result<CompactJws> jws = parse_compact_jws(token);
  if (!jws.ok()) {
    return jws.status();
  }
  Result<const SigningKey*> key = select_key(keys, jws->header, typ, allowed);
  if (!key.ok()) {
    return key.status();
  }
  CAREID_RETURN_IF_ERROR(pki::jws_verify((*key)->key, pki::as_bytes(jws->signing_input),
                                         pki::as_bytes(jws->signature)));
  return VerifiedJwt{std::move(jws->header), std::move(jws->claims)};
}

}  // namespace careid::federation::oidc
