// Signature checks of AuthnRequests: over the query string for HTTP-Redirect (SAML Bindings
// 3.4.4.1) and as an enveloped XML signature for HTTP-POST (SAML Bindings 3.5.4, SAML Core
// 5.4).
//
// A request must be signed when the SP's metadata sets AuthnRequestsSigned="true" or the
// IdP's configuration requires signed requests for every SP. A signature that is present is
// always verified, even when none is required, so that a bad one is never ignored.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/service_provider.h"
#include "xml/document.h"

namespace careid::federation::saml {

// SigAlg values accepted for HTTP-Redirect signatures (URIs of RFC 6931). SHA-1 variants, such
// as http://www.w3.org/2000/09/xmldsig#rsa-sha1, are rejected because SHA-1 collisions are
// practical.
inline constexpr std::string_view kSigAlgRsaSha256 =
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr std::string_view kSigAlgRsaSha384 =
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
inline constexpr std::string_view kSigAlgRsaSha512 =
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
inline constexpr std::string_view kSigAlgEcdsaSha256 =
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

// Returns the octets an HTTP-Redirect signature covers: "SAMLRequest=v&RelayState=v&SigAlg=v"
// (SAMLResponse in place of SAMLRequest for a response)
// with each value exactly as received, still URL-encoded, and RelayState only when present
// (SAML Bindings 3.4.4.1). Re-encoding the decoded values would break signatures of SPs
// that encode differently.
std::string redirect_signed_octets(const RedirectMessage& message);

// Verifies the Signature and SigAlg parameters of `message` with the signing certificates
// in `sp`'s metadata; one matching certificate suffices. Errors:
//   kNotFound          the message has no Signature parameter
//   kInvalidArgument   SigAlg missing or not in the list above, Signature not base64, or
//                      the SP's metadata has no signing certificate
//   kPermissionDenied  no signing certificate of the SP matches the signature
Status verify_redirect_signature(const RedirectMessage& message, const ServiceProvider& sp);

// Verifies the enveloped ds:Signature that is a direct child of `request` (the root of `doc`)
// with the signing certificates in `sp`'s metadata. One matching certificate suffices. The
// profile of xml/signature.h applies: one Reference to the ID of `request`, the enveloped
// and exclusive c14n transforms, SHA-256, and RSA-SHA256 or ECDSA-SHA256. Callers must then
// read the request only from `request` and `doc`. Errors:
//   kNotFound          `request` has no ds:Signature child
//   kInvalidArgument   several signatures, a disallowed algorithm or transform, a reference
//                      to another element, or the SP's metadata has no signing certificate
//   kPermissionDenied  no signing certificate of the SP matches the signature
Status verify_post_signature(xml::Document& doc, xml::Element request, const ServiceProvider& sp);

// Checks the signature of a request (the root of the document) for the binding it came
// with. Returns true when it was signed and verified, false when it was unsigned and
// `required` is false, or else the reason for the user.
using SignatureCheck =
    std::function<Result<bool, std::string>(xml::Document&, const ServiceProvider&, bool required)>;

// The check for an HTTP-Redirect message: verify_redirect_signature. `message` must outlive
// the returned function.
SignatureCheck redirect_signature_check(const RedirectMessage& message);

// The check for an HTTP-POST message: verify_post_signature, and a signed message must have a
// Destination attribute (SAML Bindings 3.5.5.2), so that it cannot be replayed to another
// endpoint.
Result<bool, std::string> check_post_signature(xml::Document& doc, const ServiceProvider& sp,
                                               bool required);

}  // namespace careid::federation::saml
