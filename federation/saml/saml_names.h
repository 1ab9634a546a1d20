// Namespace URIs and identifiers from the SAML 2.0 specifications (OASIS, March 2005).
#pragma once

#include <string_view>

namespace careid::federation::saml {

inline constexpr std::string_view kAssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr std::string_view kProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr std::string_view kMetadataNs = "urn:oasis:names:tc:SAML:2.0:metadata";

inline constexpr std::string_view kHttpPostBinding =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
inline constexpr std::string_view kHttpRedirectBinding =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr std::string_view kHttpArtifactBinding =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
inline constexpr std::string_view kSoapBinding = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

// The SOAP 1.1 envelope namespace, which the SAML SOAP binding uses (SAML Bindings 3.2).
inline constexpr std::string_view kSoapEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";

// Status codes (SAML Core 3.2.2.2).
inline constexpr std::string_view kStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
inline constexpr std::string_view kStatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester";
inline constexpr std::string_view kStatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
inline constexpr std::string_view kStatusVersionMismatch =
    "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch";
inline constexpr std::string_view kStatusInvalidNameIdPolicy =
    "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy";
inline constexpr std::string_view kStatusRequestUnsupported =
    "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";
inline constexpr std::string_view kStatusRequestDenied =
    "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
inline constexpr std::string_view kStatusNoAuthnContext =
    "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";
inline constexpr std::string_view kStatusNoPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
inline constexpr std::string_view kStatusPartialLogout =
    "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";

// Name identifier formats (SAML Core 8.3).
inline constexpr std::string_view kNameIdPersistent =
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
inline constexpr std::string_view kNameIdTransient =
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
inline constexpr std::string_view kNameIdUnspecified =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
inline constexpr std::string_view kNameIdEmail =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
inline constexpr std::string_view kNameIdEntity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

// The authentication context class of a card login (SAML Authentication Context).
inline constexpr std::string_view kClassSmartcardPki =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
// The class of a password plus TOTP code login, the optional fallback.
inline constexpr std::string_view kClassPasswordProtectedTransport =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

inline constexpr std::string_view kAttributeNameFormatBasic =
    "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
inline constexpr std::string_view kBearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

}  // namespace careid::federation::saml
