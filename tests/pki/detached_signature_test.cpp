#include "pki/detached_signature.h"

#include <catch2/catch.hpp>

#include <string>

#include "pki/saml_signing.h"

using careid::StatusCode;
using careid::pki::as_bytes;
using careid::pki::Bytes;
using careid::pki::EcdsaEncoding;
using careid::pki::SignatureDigest;

namespace {

careid::pki::CertifiedKey make_key(careid::pki::KeyType type) {
  careid::pki::SamlSigningOptions options;
  options.key_type = type;
  auto created = careid::pki::create_saml_signing_certificate(options);
  REQUIRE(created.ok());
  return std::move(created).value();
}

}  // namespace

TEST_CASE("detached RSA signature round trip", "[pki][signature]") {
  auto signer = make_key(careid::pki::KeyType::kRsa2048);
  std::string data = "SAMLRequest=abc&RelayState=x&SigAlg=y";
  for (SignatureDigest digest :
       {SignatureDigest::kSha256, SignatureDigest::kSha384, SignatureDigest::kSha512}) {
    auto signature = careid::pki::sign_detached(signer.key, digest, as_bytes(data));
    REQUIRE(signature.ok());
    CHECK(signature->size() == 256);
    CHECK(careid::pki::verify_detached_signature(signer.certificate, digest, as_bytes(data),
                                                 *signature)
              .ok());
  }
}

TEST_CASE("detached ECDSA raw and DER encodings", "[pki][signature]") {
  auto signer = make_key(careid::pki::KeyType::kEcdsaP256);
  std::string data = "message";
  auto raw = careid::pki::sign_detached(signer.key, SignatureDigest::kSha256, as_bytes(data));
  REQUIRE(raw.ok());
  CHECK(raw->size() == 64);
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), *raw)
            .ok());

  auto der = careid::pki::sign_detached(signer.key, SignatureDigest::kSha256, as_bytes(data),
                                        EcdsaEncoding::kDer);
  REQUIRE(der.ok());
  CHECK(der->front() == 0x30);
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), *der, EcdsaEncoding::kDer)
            .ok());
  // A DER value read as raw has the wrong length.
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), *der, EcdsaEncoding::kRaw)
            .code() == StatusCode::kInvalidArgument);
}

TEST_CASE("detached signature mismatches rejected", "[pki][signature]") {
  auto signer = make_key(careid::pki::KeyType::kRsa2048);
  auto other = make_key(careid::pki::KeyType::kRsa2048);
  std::string data = "SAMLRequest=abc&SigAlg=y";
  auto signature = careid::pki::sign_detached(signer.key, SignatureDigest::kSha256, as_bytes(data));
  REQUIRE(signature.ok());

  std::string changed = "SAMLRequest=abd&SigAlg=y";
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(changed), *signature)
            .code() == StatusCode::kPermissionDenied);
  CHECK(careid::pki::verify_detached_signature(other.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), *signature)
            .code() == StatusCode::kPermissionDenied);
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha512,
                                               as_bytes(data), *signature)
            .code() == StatusCode::kPermissionDenied);

  Bytes flipped = *signature;
  flipped[10] ^= 1;
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), flipped)
            .code() == StatusCode::kPermissionDenied);
  Bytes truncated(signature->begin(), signature->end() - 1);
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), truncated)
            .code() == StatusCode::kPermissionDenied);
  CHECK(careid::pki::verify_detached_signature(signer.certificate, SignatureDigest::kSha256,
                                               as_bytes(data), Bytes{})
            .code() == StatusCode::kPermissionDenied);
}
