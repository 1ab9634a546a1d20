#include "pki/detached_signature.h"

#include <openssl/ecdsa.h>

#include "pki/openssl_handles.h"

namespace careid::pki {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslDeleter<ECDSA_SIG_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<EVP_MD_CTX_free>>;

const EVP_MD* digest_method(SignatureDigest digest) {
  switch (digest) {
    case SignatureDigest::kSha256:
      return EVP_sha256();
    case SignatureDigest::kSha384:
      return EVP_sha384();
    case SignatureDigest::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

// Converts r || s into DER. Each half must be exactly as long as the curve order, so a
// value for another curve is rejected here instead of failing later as a mismatch.
Result<Bytes> raw_ecdsa_to_der(EVP_PKEY* key, ByteView raw) {
  int order_bytes = (EVP_PKEY_get_bits(key) + 7) / 8;
  if (raw.size() != static_cast<std::size_t>(2 * order_bytes)) {
    return Status::invalid_argument("ECDSA signature is " + std::to_string(raw.size()) +
                                    " bytes; expected " + std::to_string(2 * order_bytes));
  }

  BignumPtr r(BN_bin2bn(raw.data(), order_bytes, nullptr));
  BignumPtr s(BN_bin2bn(raw.data() + order_bytes, order_bytes, nullptr));
  EcdsaSigPtr value(ECDSA_SIG_new());
  if (!r || !s || !value || ECDSA_SIG_set0(value.get(), r.get(), s.get()) != 1) {
    return openssl_status(StatusCode::kInternal, "building ECDSA signature");
  }
  // ECDSA_SIG_set0 took ownership of both numbers.
  r.release();
  s.release();

  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(value.get(), &der);
  if (length <= 0) {
    return openssl_status(StatusCode::kInternal, "encoding ECDSA signature");
  }
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

// Converts DER into r || s, each padded to the length of the curve order.
Result<Bytes> der_ecdsa_to_raw(EVP_PKEY* key, ByteView der) {
  const unsigned char* cursor = der.data();
  EcdsaSigPtr value(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!value) {
    return openssl_status(StatusCode::kInternal, "decoding ECDSA signature");
  }
  int order_bytes = (EVP_PKEY_get_bits(key) + 7) / 8;
  Bytes out(2 * static_cast<std::size_t>(order_bytes));
  const BIGNUM* r = ECDSA_SIG_get0_r(value.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(value.get());
  if (BN_bn2binpad(r, out.data(), order_bytes) != order_bytes ||
      BN_bn2binpad(s, out.data() + order_bytes, order_bytes) != order_bytes) {
    return openssl_status(StatusCode::kInternal, "encoding ECDSA signature");
  }
  return out;
}

}  // namespace

Result<Bytes> sign_detached(const PrivateKey& key, SignatureDigest digest, ByteView data,
                            EcdsaEncoding ecdsa_encoding) {
  EVP_PKEY* native = key.native();
  int type = EVP_PKEY_get_base_id(native);
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
    return Status::invalid_argument("signing key is neither RSA nor EC");
  }

  MdCtxPtr context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, digest_method(digest), nullptr, native) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, data.data(), data.size()) != 1) {
    return openssl_status(StatusCode::kInternal, "starting signature");
  }
  Bytes signature(length);
  if (EVP_DigestSign(context.get(), signature.data(), &length, data.data(), data.size()) != 1) {
    return openssl_status(StatusCode::kInternal, "signing");
  }
  signature.resize(length);

  if (type == EVP_PKEY_EC && ecdsa_encoding == EcdsaEncoding::kRaw) {
    return der_ecdsa_to_raw(native, signature);
  }
  return signature;
}

Status verify_detached_signature(const Certificate& certificate, SignatureDigest digest,
                                 ByteView data, ByteView signature, EcdsaEncoding ecdsa_encoding) {
  EVP_PKEY* key = X509_get0_pubkey(certificate.native());
  if (key == nullptr) {
    return openssl_status(StatusCode::kInvalidArgument, "reading certificate public key");
  }
  int type = EVP_PKEY_get_base_id(key);
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
    return Status::invalid_argument("certificate key is neither RSA nor EC");
  }

  Bytes converted;
  if (type == EVP_PKEY_EC && ecdsa_encoding == EcdsaEncoding::kRaw) {
    Result<Bytes> der = raw_ecdsa_to_der(key, signature);
    if (!der.ok()) {
      return der.status();
    }
    converted = std::move(*der);
    signature = converted;
  }

  MdCtxPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestVerifyInit(context.get(), nullptr, digest_method(digest), nullptr, key) != 1) {
    return openssl_status(StatusCode::kInternal, "starting signature verification");
  }
  int verified = EVP_DigestVerify(context.get(), signature.data(), signature.size(), data.data(),
                                  data.size());
  if (verified != 1) {
    clear_openssl_errors();
    return Status::permission_denied("signature does not match the certificate's key");
  }
  return Status::ok_status();
}

}  // namespace careid::pki
