// Checks of an AuthnRequest received with the HTTP-Redirect or HTTP-POST binding (SAML Core
// 3.4.1 and 3.2.1) against the registered service providers.
#pragma once

#include <chrono>
#include <string_view>

#include "base/status.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/post_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/service_provider.h"
#include "xml/document.h"

namespace careid::federation::saml {

// How far an IssueInstant may lie in the past or in the future (clock skew) of `now`.
inline constexpr std::chrono::seconds kMaxRequestAge{600};
inline constexpr std::chrono::seconds kMaxClockSkew{180};

struct AuthnRequestContext {
  const ServiceProviderRegistry& service_providers;
  std::string_view sso_url;  // our SingleSignOnService location, for Destination
  std::chrono::system_clock::time_point now;
  // Require a signature even when the SP's metadata does not set AuthnRequestsSigned.
  bool require_signed_requests = false;
  // Records each accepted request ID; null turns replay detection off (some tests).
  ReplayCache* replay_cache = nullptr;
  // Accept HTTP-Artifact ACS endpoints (IdpSettings::artifact_resolution_url is set).
  bool artifact_enabled = false;
};

// Parses message.saml_request and checks it: samlp:AuthnRequest, Version 2.0, an xs:ID,
// a fresh IssueInstant, a registered Issuer and Destination equal to the SSO URL. The ACS
// is given by URL or index and must be an endpoint in the SP's metadata with the binding of
// ProtocolBinding, which may be HTTP-POST or, with context.artifact_enabled, HTTP-Artifact.
// Without URL and index, the SP's default endpoint of that binding is used. Without
// ProtocolBinding, an HTTP-POST endpoint is preferred to an HTTP-Artifact one. NameIDPolicy Format must be persistent, transient,
// emailAddress or unspecified (else InvalidNameIDPolicy). RequestedAuthnContext must be met
// by SmartcardPKI (else NoAuthnContext, see authn_context.h). ForceAuthn and IsPassive
// are read into the result.
// Signature: verified when present, and required when the SP's metadata sets
// AuthnRequestsSigned="true" or context.require_signed_requests is set; a missing or bad
// signature is an error for the user, never a Response to the SP. A Redirect message is
// signed over its query string (request_signature.h). A ds:Signature inside its XML is
// ignored, because SAML Bindings 3.4.4.1 has the sender remove it. A POST message is signed
// by an enveloped ds:Signature of the AuthnRequest, and a signed one must have a Destination.
// Replay: a request whose ID this SP already used, within the request's lifetime, is
// rejected with status Requester/RequestDenied.
// Errors found before the SP and its ACS are known have an empty acs_url; later ones carry
// the ACS, the request ID and the RelayState so that the SP receives an error Response.
Result<AuthnRequest, RequestError> check_authn_request(const RedirectMessage& message,
                                                       const AuthnRequestContext& context);
Result<AuthnRequest, RequestError> check_authn_request(const PostMessage& message,
                                                       const AuthnRequestContext& context);

// Parses the XML of a received SAML request with the hardened parser, within
// kMaxInflatedBytes and a depth of 16 elements (real requests are shallow). A failure is an
// error for the user.
Result<xml::Document, RequestError> parse_request_xml(std::string_view xml_text);

// A RequestError for the user, shown as an HTTP 400 page: status Requester and no ACS URL.
RequestError request_error_for_user(std::string message);

// Returns `text` without leading and trailing XML whitespace (space, tab, CR, LF).
std::string trim_xml_whitespace(std::string text);

// True for an ASCII xs:ID (an NCName: a letter or '_', then letters, digits, '.', '-',
// '_') of 1 to 256 characters.
bool is_valid_id(std::string_view id);

}  // namespace careid::federation::saml
