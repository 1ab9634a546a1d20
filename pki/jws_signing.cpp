#include "pki/jws_signing.h"

#include <cstring>
#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {
namespace {

constexpr std::size_t kP256CoordinateBytes = 32;
constexpr int kMinRsaBits = 2048;

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslDeleter<ECDSA_SIG_free>>;

// Copies `number` into exactly `width` big-endian bytes (left-padded with zeros).
Result<Bytes> fixed_width(const BIGNUM* number, std::size_t width) {
  Bytes out(width);
  if (BN_bn2binpad(number, out.data(), static_cast<int>(width)) != static_cast<int>(width)) {
    return openssl_status(StatusCode::kInternal, "number does not fit the curve size");
  }
  return out;
}

Result<Bytes> minimal_bytes(const BIGNUM* number) {
  Bytes out(static_cast<std::size_t>(BN_num_bytes(number)));
  BN_bn2bin(number, out.data());
  return out;
}

Result<Bytes> bignum_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return openssl_status(StatusCode::kInternal, std::string("cannot read key parameter ") + name);
  }
  BignumPtr number(raw);
  return minimal_bytes(number.get());
}

// RFC 7518 3.4: the JWS value is r || s, each as wide as the curve order.
Result<Bytes> der_to_raw(ByteView der) {
  const unsigned char* cursor = der.data();
  EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature) {
    return openssl_status(StatusCode::kInternal, "cannot decode the ECDSA signature");
  }
  Result<Bytes> r = fixed_width(ECDSA_SIG_get0_r(signature.get()), kP256CoordinateBytes);
  Result<Bytes> s = fixed_width(ECDSA_SIG_get0_s(signature.get()), kP256CoordinateBytes);
  if (!r.ok() || !s.ok()) {
    return r.ok() ? s.status() : r.status();
  }
  r->insert(r->end(), s->begin(), s->end());
  return std::move(*r);
}

Result<Bytes> raw_to_der(ByteView raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) {
    return Status::invalid_argument("ES256 signature must be 64 bytes, got " +
                                    std::to_string(raw.size()));
  }
  BIGNUM* r = BN_bin2bn(raw.data(), kP256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + kP256CoordinateBytes, kP256CoordinateBytes, nullptr);
  EcdsaSigPtr signature(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !signature || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return openssl_status(StatusCode::kInternal, "cannot build the ECDSA signature");
  }

  int length = i2d_ECDSA_SIG(signature.get(), nullptr);
  Bytes der(static_cast<std::size_t>(length > 0 ? length : 0));
  unsigned char* cursor = der.data();
  if (length <= 0 || i2d_ECDSA_SIG(signature.get(), &cursor) != length) {
    return openssl_status(StatusCode::kInternal, "cannot encode the ECDSA signature");
  }
  return der;
}

}  // namespace

std::string_view jws_algorithm_name(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kEs256 ? "ES256" : "RS256";
}

Result<JwsAlgorithm> jws_algorithm_for(const PrivateKey& key) {
  EVP_PKEY* native = key.native();
  if (EVP_PKEY_get_base_id(native) == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(native) < kMinRsaBits) {
      return Status::invalid_argument("RS256 needs an RSA key of at least 2048 bits");
    }
    return JwsAlgorithm::kRs256;
  }
  if (key.type() == KeyType::kEcdsaP256) {
    return JwsAlgorithm::kEs256;
  }
  return Status::invalid_argument("JWS signing needs an ECDSA P-256 or RSA key");
}

Result<Bytes> jws_sign(const PrivateKey& key, ByteView signing_input) {
  Result<JwsAlgorithm> algorithm = jws_algorithm_for(key);
  if (!algorithm.ok()) {
    return algorithm.status();
  }

  MdCtxPtr context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.native()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, signing_input.data(),
                     signing_input.size()) != 1) {
    return openssl_status(StatusCode::kInternal, "JWS signing failed");
  }
  Bytes signature(length);
  if (EVP_DigestSign(context.get(), signature.data(), &length, signing_input.data(),
                     signing_input.size()) != 1) {
    return openssl_status(StatusCode::kInternal, "JWS signing failed");
  }
  signature.resize(length);

  if (*algorithm == JwsAlgorithm::kEs256) {
    return der_to_raw(signature);
  }
  return signature;
}

Status jws_verify(const PrivateKey& key, ByteView signing_input, ByteView signature) {
  Result<JwsAlgorithm> algorithm = jws_algorithm_for(key);
  if (!algorithm.ok()) {
    return algorithm.status();
  }
  Bytes value(signature.begin(), signature.end());
  if (*algorithm == JwsAlgorithm::kEs256) {
    Result<Bytes> der = raw_to_der(signature);
    if (!der.ok()) {
      return der.status();
    }
    value = std::move(*der);
  }

  MdCtxPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.native()) != 1) {
    return openssl_status(StatusCode::kInternal, "JWS verification set-up failed");
  }
  int verdict = EVP_DigestVerify(context.get(), value.data(), value.size(), signing_input.data(),
                                 signing_input.size());
  clear_openssl_errors();
  if (verdict != 1) {
    return Status::permission_denied("JWS signature does not match");
  }
  return Status::ok_status();
}

Result<PublicKeyComponents> public_key_components(const PrivateKey& key) {
  Result<JwsAlgorithm> algorithm = jws_algorithm_for(key);
  if (!algorithm.ok()) {
    return algorithm.status();
  }
  PublicKeyComponents components;
  components.algorithm = *algorithm;

  if (*algorithm == JwsAlgorithm::kRs256) {
    Result<Bytes> n = bignum_param(key.native(), OSSL_PKEY_PARAM_RSA_N);
    Result<Bytes> e = bignum_param(key.native(), OSSL_PKEY_PARAM_RSA_E);
    if (!n.ok() || !e.ok()) {
      return n.ok() ? e.status() : n.status();
    }
    components.n = std::move(*n);
    components.e = std::move(*e);
    return components;
  }

  BIGNUM* raw_x = nullptr;
  BIGNUM* raw_y = nullptr;
  int got_x = EVP_PKEY_get_bn_param(key.native(), OSSL_PKEY_PARAM_EC_PUB_X, &raw_x);
  int got_y = EVP_PKEY_get_bn_param(key.native(), OSSL_PKEY_PARAM_EC_PUB_Y, &raw_y);
  BignumPtr x(raw_x);
  BignumPtr y(raw_y);
  if (got_x != 1 || got_y != 1) {
    return openssl_status(StatusCode::kInternal, "cannot read the EC public point");
  }
  Result<Bytes> x_bytes = fixed_width(x.get(), kP256CoordinateBytes);
  Result<Bytes> y_bytes = fixed_width(y.get(), kP256CoordinateBytes);
  if (!x_bytes.ok() || !y_bytes.ok()) {
    return x_bytes.ok() ? y_bytes.status() : x_bytes.status();
  }
  components.x = std::move(*x_bytes);
  components.y = std::move(*y_bytes);
  return components;
}

}  // namespace careid::pki
