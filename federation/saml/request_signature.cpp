#include "federation/saml/request_signature.h"

#include <optional>

#include "pki/detached_signature.h"
#include "pki/encoding.h"

namespace careid::federation::saml {
namespace {

std::optional<pki::SignatureDigest> digest_for(std::string_view sig_alg) {
  if (sig_alg == kSigAlgRsaSha256 || sig_alg == kSigAlgEcdsaSha256) {
    return pki::SignatureDigest::kSha256;
  }
  if (sig_alg == kSigAlgRsaSha384) {
    return pki::SignatureDigest::kSha384;
  }
  if (sig_alg == kSigAlgRsaSha512) {
    return pki::SignatureDigest::kSha512;
  }
  return std::nullopt;
}

}  // namespace

std::string redirect_signed_octets(const RedirectMessage& message) {
  std::string octets = "SAMLRequest=" + message.raw_saml_request;
  if (message.raw_relay_state.has_value()) {
    octets += "&RelayState=" + *message.raw_relay_state;
  }
  octets += "&SigAlg=" + message.raw_sig_alg.value_or("");
  return octets;
}

Status verify_redirect_signature(const RedirectMessage& message, const ServiceProvider& sp) {
  if (!message.signature.has_value()) {
    return Status::not_found("AuthnRequest from " + sp.entity_id + " is not signed");
  }
  std::string sig_alg = message.sig_alg.value_or("");
  std::optional<pki::SignatureDigest> digest = digest_for(sig_alg);
  if (!digest.has_value()) {
    return Status::invalid_argument("SigAlg " + (sig_alg.empty() ? "(missing)" : sig_alg.substr(0, 128)) +
                                    " is not accepted; use rsa-sha256, rsa-sha384, rsa-sha512 "
                                    "or ecdsa-sha256");
  }
  auto signature = pki::base64_decode(*message.signature);
  if (!signature.ok()) {
    return Status::invalid_argument("Signature parameter is not valid base64");
  }
  if (sp.signing_certificates.empty()) {
    return Status::invalid_argument("metadata of " + sp.entity_id +
                                    " has no signing certificate to verify the request with");
  }

  // An SP may list a new and an old certificate during a key rollover (SAML Metadata 2.4.1.1).
  std::string octets = redirect_signed_octets(message);
  for (const std::string& base64_der : sp.signing_certificates) {
    auto der = pki::base64_decode(base64_der);
    if (!der.ok()) {
      continue;
    }
    auto certificate = pki::Certificate::from_der(*der);
    if (!certificate.ok()) {
      continue;
    }
    // XML Signature encodes ECDSA values as r || s. An SP library that passes OpenSSL's
    // output on unchanged sends DER instead, so both forms are tried. RSA ignores this.
    for (pki::EcdsaEncoding encoding : {pki::EcdsaEncoding::kRaw, pki::EcdsaEncoding::kDer}) {
      Status verified = pki::verify_detached_signature(*certificate, *digest,
                                                       pki::as_bytes(octets), *signature, encoding);
      if (verified.ok()) {
        return verified;
      }
    }
  }
  return Status::permission_denied("Signature of the AuthnRequest does not match a signing "
                                   "certificate in the metadata of " + sp.entity_id);
}

}  // namespace careid::federation::saml
