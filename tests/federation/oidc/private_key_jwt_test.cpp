// Client authentication with private_key_jwt: registration keys and assertion checks.
#include "provider_fixture.h"

#include "federation/oidc/client_keys.h"
#include "pki/jws_signing.h"

namespace careid::federation::oidc {
namespace {

constexpr const char* kTokenUrl = "https://idp.example/oidc/token";

Json public_jwk(const pki::PrivateKey& key, const std::string& kid) {
  Result<pki::PublicKeyComponents> components = pki::public_key_components(key);
  REQUIRE(components.ok());
  Json jwk = components->algorithm == pki::JwsAlgorithm::kRs256
                 ? Json{{"kty", "RSA"},
                        {"n", base64url_encode(components->n)},
                        {"e", base64url_encode(components->e)}}
                 : Json{{"kty", "EC"},
                        {"crv", "P-256"},
                        {"x", base64url_encode(components->x)},
                        {"y", base64url_encode(components->y)}};
  jwk["kid"] = kid;
  return jwk;
}

pki::PrivateKey new_key(pki::KeyType type = pki::KeyType::kEcdsaP256) {
  Result<pki::PrivateKey> key = pki::PrivateKey::generate(type);
  REQUIRE(key.ok());
  return std::move(*key);
}

std::string sign_assertion(const pki::PrivateKey& key, Json header, const Json& claims) {
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  Result<pki::Bytes> signature = pki::jws_sign(key, pki::as_bytes(input));
  REQUIRE(signature.ok());
  return input + "." + base64url_encode(*signature);
}

// A provider whose only client is "signer", registered with an ES256 and an RS256 key.
struct JwtFixture : Fixture {
  pki::PrivateKey ec_key = new_key();
  pki::PrivateKey rsa_key = new_key(pki::KeyType::kRsa2048);
  pki::PrivateKey stranger = new_key();
  int next_jti = 0;

  JwtFixture() {
    Json jwks = {{"keys", {public_jwk(ec_key, "ec-1"), public_jwk(rsa_key, "rsa-1")}}};
    Json registration = {{"client_id", "signer"},
                         {"token_endpoint_auth_method", "private_key_jwt"},
                         {"jwks", jwks},
                         {"grant_types", {"client_credentials"}},
                         {"scopes", {"audit.read"}}};
    Result<Client> client = parse_client_json(registration.dump(), "signer.json");
    REQUIRE(client.ok());
    ClientRegistry registry;
    REQUIRE(registry.add(std::move(*client)).ok());
    provider->replace_clients(std::move(registry));
  }

  Json claims() {
    std::int64_t issued = std::chrono::duration_cast<std::chrono::seconds>(
                              now.time_since_epoch()).count();
    return Json{{"iss", "signer"}, {"sub", "signer"}, {"aud", kTokenUrl},
                {"jti", "jti-" + std::to_string(++next_jti)}, {"iat", issued},
                {"exp", issued + 60}};
  }

  std::string assertion(const Json& claims, const pki::PrivateKey& key,
                        Json header = {{"alg", "ES256"}, {"kid", "ec-1"}}) {
    return sign_assertion(key, std::move(header), claims);
  }

  OidcReply token_with(const std::string& assertion, const std::string& extra = "") {
    return token("grant_type=client_credentials"
                 "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type"
                 "%3Ajwt-bearer&client_assertion=" + assertion + extra);
  }
};

}  // namespace

TEST_CASE("private_key_jwt accepts ES256 and RS256", "[oidc][private_key_jwt]") {
  JwtFixture f;
  OidcReply es256 = f.token_with(f.assertion(f.claims(), f.ec_key));
  CHECK(es256.status == 200);
  CHECK(body_json(es256)["scope"] == "audit.read");

  OidcReply rs256 = f.token_with(
      f.assertion(f.claims(), f.rsa_key, {{"alg", "RS256"}, {"kid", "rsa-1"}}), "&client_id=signer");
  CHECK(rs256.status == 200);

  // Without a kid the key is the only one of the algorithm.
  OidcReply no_kid = f.token_with(f.assertion(f.claims(), f.ec_key, {{"alg", "ES256"}}));
  CHECK(no_kid.status == 200);

  Json audience_list = f.claims();
  audience_list["aud"] = {"https://other.example", kIssuer};
  CHECK(f.token_with(f.assertion(audience_list, f.ec_key)).status == 200);
}

TEST_CASE("private_key_jwt rejects bad assertions", "[oidc][private_key_jwt]") {
  JwtFixture f;
  auto status_of = [&](const std::string& assertion) {
    return f.token_with(assertion).status;
  };
  CHECK(status_of(f.assertion(f.claims(), f.stranger)) == 401);  // key not registered
  CHECK(status_of(f.assertion(f.claims(), f.ec_key, {{"alg", "ES256"}, {"kid", "rsa-1"}})) ==
        401);
  CHECK(status_of(f.assertion(f.claims(), f.ec_key, {{"alg", "HS256"}, {"kid", "ec-1"}})) ==
        401);
  CHECK(status_of(f.assertion(f.claims(), f.ec_key, {{"alg", "none"}})) == 401);
  CHECK(status_of("garbage") == 401);

  std::vector<std::pair<const char*, Json>> changes = {
      {"iss", "portal"},  {"sub", "other"},       {"aud", "https://other.example"},
      {"aud", nullptr},   {"exp", nullptr},       {"jti", nullptr},
      {"jti", ""},        {"exp", "tomorrow"},    {"nbf", "soon"}};
  for (const auto& [name, value] : changes) {
    Json claims = f.claims();
    if (value.is_null()) {
      claims.erase(name);
    } else {
      claims[name] = value;
    }
    INFO("claim " << name << " = " << value.dump());
    CHECK(status_of(f.assertion(claims, f.ec_key)) == 401);
  }

  Json expired = f.claims();
  expired["exp"] = expired["iat"].get<std::int64_t>() - 1;
  CHECK(status_of(f.assertion(expired, f.ec_key)) == 401);
  Json far = f.claims();
  far["exp"] = far["iat"].get<std::int64_t>() + 7200;
  CHECK(status_of(f.assertion(far, f.ec_key)) == 401);
  Json future = f.claims();
  future["nbf"] = future["iat"].get<std::int64_t>() + 600;
  CHECK(status_of(f.assertion(future, f.ec_key)) == 401);

  // A signature over other claims does not carry over.
  std::string good = f.assertion(f.claims(), f.ec_key);
  std::string other = f.assertion(f.claims(), f.ec_key);
  std::string spliced = good.substr(0, good.rfind('.')) + other.substr(other.rfind('.'));
  CHECK(status_of(spliced) == 401);
}

TEST_CASE("private_key_jwt rejects replayed jti", "[oidc][private_key_jwt]") {
  JwtFixture f;
  std::string assertion = f.assertion(f.claims(), f.ec_key);
  CHECK(f.token_with(assertion).status == 200);
  CHECK(f.token_with(assertion).status == 401);
}

TEST_CASE("private_key_jwt request errors", "[oidc][private_key_jwt]") {
  JwtFixture f;
  std::string assertion = f.assertion(f.claims(), f.ec_key);
  CHECK(f.token_with(assertion, "&client_id=portal").status == 401);
  CHECK(f.token_with(f.assertion(f.claims(), f.ec_key), "&client_secret=x").status == 400);
  CHECK(f.token("grant_type=client_credentials&client_assertion=" +
                f.assertion(f.claims(), f.ec_key) + "&client_assertion_type=saml2-bearer")
            .status == 401);
  OidcReply with_basic = f.token(
      "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
      "client-assertion-type%3Ajwt-bearer&client_assertion=" + f.assertion(f.claims(), f.ec_key),
      basic("signer", "x"));
  CHECK(with_basic.status == 400);
  // A private_key_jwt client cannot fall back to a secret or to no authentication.
  CHECK(f.token("grant_type=client_credentials&client_id=signer").status == 401);
  CHECK(f.token("grant_type=client_credentials", basic("signer", "")).status == 401);
}

TEST_CASE("private_key_jwt registration", "[oidc][private_key_jwt][clients]") {
  pki::PrivateKey key = new_key();
  Json jwk = public_jwk(key, "k1");
  auto parse = [](const Json& registration) {
    return parse_client_json(registration.dump(), "signer.json");
  };
  Json registration = {{"client_id", "signer"},
                       {"token_endpoint_auth_method", "private_key_jwt"},
                       {"jwks", {{"keys", {jwk}}}},
                       {"redirect_uris", {"https://signer.example/cb"}},
                       {"scopes", {"openid"}}};
  Result<Client> client = parse(registration);
  REQUIRE(client.ok());
  CHECK(client->keys.size() == 1);
  CHECK(client->keys[0].kid == "k1");
  CHECK_FALSE(client->is_public());

  Json no_keys = registration;
  no_keys.erase("jwks");
  CHECK_FALSE(parse(no_keys).ok());
  Json with_secret = registration;
  with_secret["client_secret_sha256"] = std::string(64, 'a');
  CHECK_FALSE(parse(with_secret).ok());
  Json secret_client = with_secret;
  secret_client["token_endpoint_auth_method"] = "client_secret_basic";
  CHECK_FALSE(parse(secret_client).ok());  // jwks on a secret client

  std::vector<Json> bad_keys;
  Json private_member = jwk;
  private_member["d"] = "AAAA";
  bad_keys.push_back(private_member);
  Json other_curve = jwk;
  other_curve["crv"] = "P-384";
  bad_keys.push_back(other_curve);
  Json off_curve = jwk;
  off_curve["y"] = off_curve["x"];
  bad_keys.push_back(off_curve);
  Json wrong_alg = jwk;
  wrong_alg["alg"] = "RS256";
  bad_keys.push_back(wrong_alg);
  Json symmetric = {{"kty", "oct"}, {"k", "AAAA"}};
  bad_keys.push_back(symmetric);
  for (const Json& bad : bad_keys) {
    Json changed = registration;
    changed["jwks"] = {{"keys", {bad}}};
    INFO(bad.dump());
    CHECK_FALSE(parse(changed).ok());
  }
  Json twice = registration;
  twice["jwks"] = {{"keys", {jwk, jwk}}};
  CHECK_FALSE(parse(twice).ok());
}

TEST_CASE("discovery lists private_key_jwt", "[oidc][private_key_jwt]") {
  Fixture f;
  Json document = body_json(f.provider->discovery());
  CHECK(has_scope(document["token_endpoint_auth_methods_supported"].get<std::vector<std::string>>(),
                  "private_key_jwt"));
  CHECK(document["token_endpoint_auth_signing_alg_values_supported"] == Json{"ES256", "RS256"});
}

}  // namespace careid::federation::oidc
