#include "federation/oidc/jose.h"

#include <catch2/catch.hpp>

#include "pki/jws_signing.h"

namespace careid::federation::oidc {
namespace {

pki::PrivateKey make_key(pki::KeyType type) {
  Result<pki::PrivateKey> key = pki::PrivateKey::generate(type);
  REQUIRE(key.ok());
  return std::move(*key);
}

KeySet make_key_set(std::initializer_list<pki::KeyType> types) {
  std::vector<pki::PrivateKey> keys;
  for (pki::KeyType type : types) {
    keys.push_back(make_key(type));
  }
  Result<KeySet> set = KeySet::create(std::move(keys));
  REQUIRE(set.ok());
  return std::move(*set);
}

// Builds a token with an arbitrary header and the signature of `key` over it.
std::string forge(const SigningKey& key, const Json& header, const Json& claims) {
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  Result<pki::Bytes> signature = pki::jws_sign(key.key, pki::as_bytes(input));
  REQUIRE(signature.ok());
  return input + "." + base64url_encode(*signature);
}

const std::vector<pki::JwsAlgorithm> kBoth = {pki::JwsAlgorithm::kEs256,
                                              pki::JwsAlgorithm::kRs256};

}  // namespace

TEST_CASE("base64url round trip", "[oidc][jose]") {
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    std::string encoded = base64url_encode(text);
    CHECK(encoded.find('=') == std::string::npos);
    Result<std::string> decoded = base64url_decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == text);
  }
  CHECK(base64url_encode(std::string("\xfb\xff")) == "-_8");
}

TEST_CASE("base64url rejects non-canonical text", "[oidc][jose]") {
  CHECK_FALSE(base64url_decode("Zg==").ok());   // padding
  CHECK_FALSE(base64url_decode("Z").ok());      // impossible length
  CHECK_FALSE(base64url_decode("Zh").ok());     // non-zero unused bits
  CHECK_FALSE(base64url_decode("+/8").ok());    // standard alphabet
  CHECK_FALSE(base64url_decode("Zm 9v").ok());  // whitespace
  CHECK_FALSE(base64url_decode("Zm9v\n").ok());
  CHECK(base64url_decode("Zg").ok());
}

TEST_CASE("JWS algorithm allow-list", "[oidc][jose]") {
  CHECK(parse_jws_algorithm("ES256").ok());
  CHECK(parse_jws_algorithm("RS256").ok());
  for (const char* name : {"none", "None", "HS256", "ES384", "PS256", "es256", ""}) {
    CHECK_FALSE(parse_jws_algorithm(name).ok());
  }
}

TEST_CASE("JWT signs and verifies with ES256 and RS256", "[oidc][jose]") {
  for (pki::KeyType type : {pki::KeyType::kEcdsaP256, pki::KeyType::kRsa2048}) {
    KeySet keys = make_key_set({type});
    Json claims = {{"sub", "abc"}, {"n", 1}};
    Result<std::string> token = sign_jwt(keys.signing_key(), "JWT", claims);
    REQUIRE(token.ok());

    Result<VerifiedJwt> verified = verify_jwt(keys, *token, "JWT", kBoth);
    REQUIRE(verified.ok());
    CHECK(verified->claims == claims);
    CHECK(verified->header["kid"] == keys.signing_key().kid);
    std::string expected_alg = type == pki::KeyType::kEcdsaP256 ? "ES256" : "RS256";
    CHECK(verified->header["alg"] == expected_alg);
  }
}

TEST_CASE("ES256 signature is raw r and s", "[oidc][jose]") {
  KeySet keys = make_key_set({pki::KeyType::kEcdsaP256});
  Result<std::string> token = sign_jwt(keys.signing_key(), "JWT", Json{{"a", 1}});
  REQUIRE(token.ok());
  Result<std::string> signature = base64url_decode(token->substr(token->rfind('.') + 1));
  REQUIRE(signature.ok());
  CHECK(signature->size() == 64);
}

TEST_CASE("JWT verification rejects tampering", "[oidc][jose]") {
  KeySet keys = make_key_set({pki::KeyType::kEcdsaP256});
  Result<std::string> token = sign_jwt(keys.signing_key(), "JWT", Json{{"sub", "abc"}});
  REQUIRE(token.ok());
  std::size_t first = token->find('.');
  std::size_t second = token->find('.', first + 1);

  std::string other_claims = base64url_encode(Json{{"sub", "abd"}}.dump());
  std::string swapped = token->substr(0, first + 1) + other_claims + token->substr(second);
  CHECK(verify_jwt(keys, swapped, "JWT", kBoth).status().code() == StatusCode::kPermissionDenied);

  std::string bad_signature = *token;
  bad_signature[second + 5] = bad_signature[second + 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify_jwt(keys, bad_signature, "JWT", kBoth).ok());

  CHECK_FALSE(verify_jwt(keys, *token + ".", "JWT", kBoth).ok());
  CHECK_FALSE(verify_jwt(keys, token->substr(0, second), "JWT", kBoth).ok());
  CHECK_FALSE(verify_jwt(keys, *token + "=", "JWT", kBoth).ok());
  CHECK_FALSE(verify_jwt(keys, std::string(kMaxTokenBytes + 1, 'a'), "JWT", kBoth).ok());
}

TEST_CASE("JWT truncated at every offset fails", "[oidc][jose]") {
  KeySet keys = make_key_set({pki::KeyType::kEcdsaP256});
  Result<std::string> token = sign_jwt(keys.signing_key(), "JWT", Json{{"sub", "abc"}});
  REQUIRE(token.ok());
  for (std::size_t length = 0; length < token->size(); ++length) {
    CHECK_FALSE(verify_jwt(keys, token->substr(0, length), "JWT", kBoth).ok());
  }
}

TEST_CASE("JWT header checks", "[oidc][jose]") {
  KeySet keys = make_key_set({pki::KeyType::kEcdsaP256});
  const SigningKey& key = keys.signing_key();
  Json claims = {{"sub", "abc"}};
  Json good = {{"alg", "ES256"}, {"kid", key.kid}, {"typ", "JWT"}};
  CHECK(verify_jwt(keys, forge(key, good, claims), "JWT", kBoth).ok());

  SECTION("alg none with an empty signature") {
    std::string token = base64url_encode(Json{{"alg", "none"}, {"typ", "JWT"}}.dump()) + "." +
                        base64url_encode(claims.dump()) + ".";
    CHECK_FALSE(verify_jwt(keys, token, "JWT", kBoth).ok());
  }
  SECTION("alg outside the allow-list") {
    std::vector<pki::JwsAlgorithm> rsa_only = {pki::JwsAlgorithm::kRs256};
    CHECK(verify_jwt(keys, forge(key, good, claims), "JWT", rsa_only).status().code() ==
          StatusCode::kPermissionDenied);
  }
  SECTION("alg that does not match the key") {
    Json header = good;
    header["alg"] = "RS256";
    CHECK_FALSE(verify_jwt(keys, forge(key, header, claims), "JWT", kBoth).ok());
  }
  SECTION("typ of another token kind") {
    CHECK_FALSE(verify_jwt(keys, forge(key, good, claims), "at+jwt", kBoth).ok());
  }
  SECTION("unknown kid") {
    Json header = good;
    header["kid"] = "other";
    CHECK_FALSE(verify_jwt(keys, forge(key, header, claims), "JWT", kBoth).ok());
  }
  SECTION("crit member") {
    Json header = good;
    header["crit"] = {"exp"};
    CHECK_FALSE(verify_jwt(keys, forge(key, header, claims), "JWT", kBoth).ok());
  }
  SECTION("claims that are not an object") {
    CHECK_FALSE(verify_jwt(keys, forge(key, good, Json::array()), "JWT", kBoth).ok());
  }
}

TEST_CASE("key rollover verifies old tokens", "[oidc][jose]") {
  KeySet old_keys = make_key_set({pki::KeyType::kEcdsaP256});
  Result<std::string> token = sign_jwt(old_keys.signing_key(), "JWT", Json{{"sub", "abc"}});
  REQUIRE(token.ok());

  // The old key's PEM, loaded again, keeps its kid.
  Result<std::string> pem = old_keys.signing_key().key.to_pem();
  REQUIRE(pem.ok());
  std::vector<pki::PrivateKey> keys;
  keys.push_back(make_key(pki::KeyType::kRsa2048));
  Result<pki::PrivateKey> old_key = pki::PrivateKey::from_pem(*pem);
  REQUIRE(old_key.ok());
  keys.push_back(std::move(*old_key));
  Result<KeySet> rolled = KeySet::create(std::move(keys));
  REQUIRE(rolled.ok());

  CHECK(rolled->signing_key().algorithm == pki::JwsAlgorithm::kRs256);
  CHECK(rolled->find(old_keys.signing_key().kid) != nullptr);
  CHECK(rolled->jwks()["keys"].size() == 2);
  CHECK(rolled->algorithms().size() == 2);
  CHECK(verify_jwt(*rolled, *token, "JWT", rolled->algorithms()).ok());
}

TEST_CASE("JWKS publishes public members only", "[oidc][jose]") {
  KeySet keys = make_key_set({pki::KeyType::kEcdsaP256, pki::KeyType::kRsa2048});
  Json jwks = keys.jwks();
  REQUIRE(jwks["keys"].size() == 2);
  const Json& ec = jwks["keys"][0];
  CHECK(ec["kty"] == "EC");
  CHECK(ec["crv"] == "P-256");
  CHECK(ec["alg"] == "ES256");
  CHECK(ec["use"] == "sig");
  CHECK(ec["x"].get<std::string>().size() == 43);
  CHECK(ec["y"].get<std::string>().size() == 43);
  CHECK_FALSE(ec.contains("d"));
  const Json& rsa = jwks["keys"][1];
  CHECK(rsa["kty"] == "RSA");
  CHECK(rsa["e"] == "AQAB");
  CHECK(rsa["n"].get<std::string>().size() == 342);
  CHECK_FALSE(rsa.contains("d"));
  CHECK(ec["kid"] != rsa["kid"]);
}

TEST_CASE("key set rejects duplicates and empty", "[oidc][jose]") {
  CHECK_FALSE(KeySet::create({}).ok());
  pki::PrivateKey key = make_key(pki::KeyType::kEcdsaP256);
  Result<std::string> pem = key.to_pem();
  REQUIRE(pem.ok());
  std::vector<pki::PrivateKey> keys;
  keys.push_back(std::move(key));
  Result<pki::PrivateKey> copy = pki::PrivateKey::from_pem(*pem);
  REQUIRE(copy.ok());
  keys.push_back(std::move(*copy));
  CHECK(KeySet::create(std::move(keys)).status().code() == StatusCode::kAlreadyExists);
}

}  // namespace careid::federation::oidc
