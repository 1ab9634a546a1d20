#include "federation/saml/request_signature.h"

#include <optional>

#include "pki/detached_signature.h"
#include "pki/encoding.h"
#include "xml/signature.h"

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

// Turns the result of a signature check into `true` (signed and verified), `false`
// (unsigned and allowed) or the message for the user.
Result<bool, std::string> signature_outcome(const Status& verified, xml::Element request,
                                            const ServiceProvider& sp, bool required,
                                            std::string_view missing_hint) {
  if (verified.ok()) {
    return true;
  }
  if (verified.code() == StatusCode::kNotFound && !required) {
    return false;
  }
  std::string name(request.local_name());
  if (verified.code() == StatusCode::kNotFound) {
    return name + " from " + sp.entity_id + " must be signed (" + std::string(missing_hint) +
           "), but it is not";
  }
  return name + " signature rejected: " + verified.message();
}

}  // namespace

SignatureCheck redirect_signature_check(const RedirectMessage& message) {
  return [&message](xml::Document& doc, const ServiceProvider& sp, bool required) {
    return signature_outcome(verify_redirect_signature(message, sp), doc.root(), sp, required,
                             "Signature and SigAlg parameters");
  };
}

Result<bool, std::string> check_post_signature(xml::Document& doc, const ServiceProvider& sp,
                                               bool required) {
  xml::Element root = doc.root();
  auto outcome = signature_outcome(verify_post_signature(doc, root, sp), root, sp, required,
                                   "an enveloped ds:Signature of the root element");
  if (outcome.ok() && *outcome && !root.attribute("Destination").has_value()) {
    return "signed " + std::string(root.local_name()) + " from " + sp.entity_id +
           " has no Destination attribute (SAML Bindings 3.5.5.2)";
  }
  return outcome;
}

std::string redirect_signed_octets(const RedirectMessage& message) {
  std::string octets = message.message_parameter + "=" + message.raw_saml_request;
  if (message.raw_relay_state.has_value()) {
    octets += "&RelayState=" + *message.raw_relay_state;
  }
  octets += "&SigAlg=" + message.raw_sig_alg.value_or("");
  return octets;
}

Status verify_redirect_signature(const RedirectMessage& message, const ServiceProvider& sp) {
  if (!message.signature.has_value()) {
    return Status::not_found("request from " + sp.entity_id + " is not signed");
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
  return Status::permission_denied("Signature of the request does not match a signing "
                                   "certificate in the metadata of " + sp.entity_id);
}

Status verify_post_signature(xml::Document& doc, xml::Element request, const ServiceProvider& sp) {
  if (request.first_child(xml::kXmlDsigNs, "Signature").is_null()) {
    return Status::not_found("request from " + sp.entity_id + " is not signed");
  }
  if (sp.signing_certificates.empty()) {
    return Status::invalid_argument("metadata of " + sp.entity_id +
                                    " has no signing certificate to verify the request with");
  }

  // A key that does not match returns kPermissionDenied. Other errors (a disallowed
  // algorithm, a reference to another element) may also come from a key of the wrong type
  // during a rollover, so every key is tried and the first such error is reported.
  std::optional<Status> profile_error;
  for (const std::string& certificate : sp.signing_certificates) {
    auto key = xml::VerificationKey::from_certificate(certificate);
    if (!key.ok()) {
      continue;
    }
    Status verified = xml::verify_enveloped(doc, request, *key);
    if (verified.ok()) {
      return verified;
    }
    if (verified.code() != StatusCode::kPermissionDenied && !profile_error.has_value()) {
      profile_error = verified;
    }
  }
  if (profile_error.has_value()) {
    return *profile_error;
  }
  return Status::permission_denied("Signature of the request does not match a signing "
                                   "certificate in the metadata of " + sp.entity_id);
}

}  // namespace careid::federation::saml
