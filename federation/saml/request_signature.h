// Signature checks of AuthnRequests (SAML Bindings 3.4.4.1 for HTTP-Redirect).
//
// A request must be signed when the SP's metadata sets AuthnRequestsSigned="true" or the
// IdP's configuration requires signed requests for every SP. A signature that is present is
// always verified, even when none is required, so that a bad one is never ignored.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/service_provider.h"

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

}  // namespace careid::federation::saml
