#include "federation/oidc/client_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "federation/oidc/jose.h"

namespace careid::federation::oidc {
namespace {

using Json = nlohmann::json;

struct ParamBuildDeleter {
  void operator()(OSSL_PARAM_BLD* build) const { OSSL_PARAM_BLD_free(build); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct ContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct BignumDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

Result<std::string> member(const Json& jwk, const char* name) {
  auto found = jwk.find(name);
  if (found == jwk.end() || !found->is_string()) {
    return Status::invalid_argument(std::string("member ") + name + " is missing");
  }
  Result<std::string> decoded = base64url_decode(found->get<std::string>());
  if (!decoded.ok() || decoded->empty()) {
    return Status::invalid_argument(std::string("member ") + name + " is not base64url");
  }
  return decoded;
}

BignumPtr to_bignum(const std::string& big_endian) {
  return BignumPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                             static_cast<int>(big_endian.size()), nullptr));
}

// Builds the parameters that EVP_PKEY_fromdata needs for the JWK's key type.
Result<std::pair<const char*, std::unique_ptr<OSSL_PARAM, ParamDeleter>>> key_parameters(
    const Json& jwk) {
  std::string kty = jwk.value("kty", "");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> build(OSSL_PARAM_BLD_new());
  BignumPtr n;
  BignumPtr e;
  std::string point;
  bool pushed = false;
  if (kty == "EC") {
    Result<std::string> x = member(jwk, "x");
    Result<std::string> y = member(jwk, "y");
    if (jwk.value("crv", "") != "P-256" || !x.ok() || !y.ok() || x->size() != 32 ||
        y->size() != 32) {
      return Status::invalid_argument("an EC key needs crv P-256 and 32-byte x and y");
    }
    point = "\x04" + *x + *y;  // SEC 1 2.3.3 uncompressed point
    pushed = build &&
             OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                             "prime256v1", 0) == 1 &&
             OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                              point.size()) == 1;
  } else if (kty == "RSA") {
    Result<std::string> modulus = member(jwk, "n");
    Result<std::string> exponent = member(jwk, "e");
    if (!modulus.ok() || !exponent.ok()) {
      return Status::invalid_argument("an RSA key needs n and e");
    }
    n = to_bignum(*modulus);
    e = to_bignum(*exponent);
    pushed = build && n && e &&
             OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
             OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  } else {
    return Status::invalid_argument("kty must be EC or RSA");
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(pushed ? OSSL_PARAM_BLD_to_param(build.get())
                                                          : nullptr);
  if (!params) {
    return Status::internal("OpenSSL could not build the key parameters");
  }
  return std::make_pair(kty == "EC" ? "EC" : "RSA", std::move(params));
}

Result<ClientKey> import_jwk(const Json& jwk) {
  if (!jwk.is_object()) {
    return Status::invalid_argument("expected a JSON object");
  }
  if (jwk.contains("d") || jwk.contains("p") || jwk.contains("q")) {
    return Status::invalid_argument("contains private key members; register the public key only");
  }
  auto parameters = key_parameters(jwk);
  if (!parameters.ok()) {
    return parameters.status();
  }

  std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(
      EVP_PKEY_CTX_new_from_name(nullptr, parameters->first, nullptr));
  EVP_PKEY* native = nullptr;
  if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &native, EVP_PKEY_PUBLIC_KEY,
                        parameters->second.get()) != 1) {
    return Status::invalid_argument("not a valid public key");
  }
  auto key = std::make_shared<const pki::PrivateKey>(native);
  Result<pki::JwsAlgorithm> algorithm = pki::jws_algorithm_for(*key);
  if (!algorithm.ok()) {
    return algorithm.status();
  }

  // RFC 7517 4.4: when the JWK names its algorithm, it must be the one the key type gives.
  std::string alg = jwk.value("alg", "");
  if (!alg.empty() && alg != pki::jws_algorithm_name(*algorithm)) {
    return Status::invalid_argument("alg " + alg.substr(0, 16) + " does not fit the key type");
  }
  return ClientKey{jwk.value("kid", ""), *algorithm, std::move(key)};
}

}  // namespace

Result<std::vector<ClientKey>> import_client_jwks(const Json& jwks) {
  auto keys = jwks.is_object() ? jwks.find("keys") : jwks.end();
  if (keys == jwks.end() || !keys->is_array() || keys->empty()) {
    return Status::invalid_argument("expected a JWK Set {\"keys\": [...]} with at least one key");
  }
  std::vector<ClientKey> imported;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    Result<ClientKey> key = import_jwk((*keys)[i]);
    if (!key.ok()) {
      return Status::invalid_argument("key " + std::to_string(i) + ": " + key.status().message());
    }
    for (const ClientKey& other : imported) {
      if (!key->kid.empty() && other.kid == key->kid) {
        return Status::invalid_argument("key " + std::to_string(i) + ": kid " + key->kid +
                                        " is used twice");
      }
    }
    imported.push_back(std::move(*key));
  }
  return imported;
}

}  // namespace careid::federation::oidc
