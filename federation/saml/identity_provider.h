// IdentityProvider: careid's SAML 2.0 IdP logic, without any HTTP.
//
// The HTTP layer passes in what arrived (the raw query string of an HTTP-Redirect
// AuthnRequest) and the authenticated person; this class decodes and checks the
// request against the registered service providers, and builds the signed
// Response and the HTML form that POSTs it to the SP (SAML 2.0 Bindings 3.4 and 3.5).
//
// Thread safety: after construction every method is const and may be called from
// several threads at once.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "federation/saml/artifact_resolve.h"
#include "federation/saml/artifact_store.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/service_provider.h"

namespace careid::federation::saml {

// Whether assertions to an SP are encrypted (SAML Core 2.3.4).
enum class AssertionEncryption {
  // The default: when the SP's metadata has a KeyDescriptor with use="encryption", or an RSA
  // key in one without `use` (SAML Metadata 2.4.1.1 makes such a key good for both).
  kWhenKeyPresent,
  kRequired,        // always; a login fails when the SP's metadata has no encryption key
  kNever,           // never, even when the SP has an encryption key
};

struct IdpSettings {
  std::string entity_id;        // e.g. https://127.0.0.1:8443/saml/metadata
  std::string sso_url;          // e.g. https://127.0.0.1:8443/saml/sso
  // SingleLogoutService for the HTTP-Redirect and HTTP-POST bindings, e.g.
  // https://127.0.0.1:8443/saml/slo. Empty: no Single Logout; LogoutRequests are rejected.
  std::string slo_url;
  std::filesystem::path signing_key;          // PEM, RSA or ECDSA P-256, mode 0600
  std::filesystem::path signing_certificate;  // PEM
  // PEM certificates published in the IdP metadata after the current one during a key
  // rollover: the next key before the switch, the old one after it. Nothing is signed with them.
  std::vector<std::filesystem::path> additional_signing_certificates;
  std::filesystem::path sp_metadata_dir;      // *.xml, one EntityDescriptor each
  std::chrono::seconds assertion_lifetime{300};
  // Also sign the samlp:Response around the signed Assertion. The Assertion is always signed.
  bool sign_response = false;
  // Per-SP encryption policy by entityID; SPs not listed get kWhenKeyPresent.
  std::map<std::string, AssertionEncryption> assertion_encryption;
  // Require a valid signature on every AuthnRequest, also from SPs whose metadata does not
  // set AuthnRequestsSigned="true".
  bool require_signed_requests = false;
  // ArtifactResolutionService for the SOAP binding, e.g. https://127.0.0.1:8443/saml/artifact.
  // Empty: no HTTP-Artifact binding; requests for it are rejected and HTTP-Artifact ACS
  // endpoints are not used.
  std::string artifact_resolution_url;
  // Lifetime and bounds of the Responses kept for unresolved artifacts.
  ArtifactStoreLimits artifact_limits;
  // SPs whose ArtifactResolve may be authenticated by a TLS client certificate that is a
  // signing certificate of their metadata, in place of a signature.
  std::set<std::string, std::less<>> artifact_tls_client_auth;
  // Source of the current time; empty means std::chrono::system_clock::now. Tests set it.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// A decoded and checked AuthnRequest.
struct AuthnRequest {
  std::string id;                   // the request's ID; echoed as InResponseTo
  std::string issuer;               // the SP's entityID
  std::string acs_url;              // where the Response goes (from the request or metadata)
  std::string name_id_format;       // requested NameIDPolicy Format, empty if none
  std::string relay_state;          // opaque, returned unchanged; at most 80 bytes (Bindings 3.4.3)
  // ForceAuthn="true" (SAML Core 3.4.1): the IdP must authenticate afresh, not reuse a session.
  bool force_authn = false;
  // IsPassive="true" (SAML Core 3.4.1): the IdP must not interact with the user; when it
  // would have to, it returns status NoPassive.
  bool is_passive = false;
  bool signed_request = false;  // the request carried a signature that verified
  // True when the RequestedAuthnContext accepts a password login (PasswordProtectedTransport,
  // AAL2), and when the request has no RequestedAuthnContext.
  bool password_login_allowed = true;
  // The binding of the acs_url endpoint: HTTP-POST, or HTTP-Artifact for a Response that the
  // SP fetches from the ArtifactResolutionService. Last, so that aggregate initialisers of
  // the fields above stay valid.
  std::string acs_binding = std::string(kHttpPostBinding);
};

// The statements the IdP makes about the authenticated user.
struct Subject {
  std::string name_id;  // persistent pseudonym for this SP, computed by the caller
  std::string name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  std::string authn_context_class = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
  std::chrono::system_clock::time_point authn_instant;
  // SessionIndex of the AuthnStatement: the SSO session's index, which a later LogoutRequest
  // names. Empty means a fresh random value (a login without a session).
  std::string session_index;
  // Attribute name -> values; each becomes one saml:Attribute with NameFormat basic.
  std::map<std::string, std::vector<std::string>> attributes;
};

// A request that could not be honoured. A set `acs_url` means that the SP and a registered
// ACS URL are known, so build_error_page can return the error to the SP as a SAML Response
// with `status_code` (SAML Core 3.2.2.2). Otherwise the user sees an HTTP 400 page with
// `message`.
struct RequestError {
  std::string message;
  std::string status_code;  // e.g. urn:oasis:names:tc:SAML:2.0:status:Requester
  std::string acs_url;
  std::string sub_status_code;  // second-level code, e.g. ...:status:InvalidNameIDPolicy
  std::string sp_entity_id;     // set with acs_url
  std::string request_id;       // the request's ID when it had one; echoed as InResponseTo
  std::string relay_state;      // the request's RelayState when it was valid
  std::string acs_binding;      // binding of acs_url; empty means HTTP-POST
};

// A decoded and checked LogoutRequest from an SP (SAML Core 3.7.1).
struct LogoutRequest {
  std::string id;      // echoed as InResponseTo
  std::string issuer;  // the SP's entityID
  std::string name_id;
  // The SessionIndex values; empty means every session of the NameID at this SP.
  std::vector<std::string> session_indexes;
  std::string relay_state;  // returned unchanged with the LogoutResponse
};

// A LogoutResponse ready for the browser to carry to the SP. Exactly one of redirect_url
// and post_page is set.
struct LogoutReply {
  std::string redirect_url;  // HTTP-Redirect: the SP's endpoint with the signed query
  std::string post_page;     // HTTP-POST: the auto-submit form with the signed message
  std::string destination;   // the SP endpoint the message goes to
};

// The principal named in a LogoutRequest that careid sends to an SP (SAML Core 3.7.1): the
// NameID careid gave that SP and the session's SessionIndex.
struct LogoutTarget {
  std::string sp_entity_id;
  std::string name_id;
  std::string name_id_format;
  std::string session_index;
  std::string relay_state;  // sent with the request; the SP returns it with its response
};

// A signed LogoutRequest ready for the browser to carry to an SP.
struct OutgoingLogoutRequest {
  std::string id;       // the request's ID, which the LogoutResponse names in InResponseTo
  LogoutReply message;  // the redirect URL or the POST page
};

// A checked LogoutResponse from an SP (SAML Core 3.7.2), signature verified.
struct LogoutResult {
  std::string issuer;
  std::string in_response_to;
  std::string status_code;  // the top-level StatusCode Value
  std::string relay_state;
  bool success() const;
};

class IdentityProvider {
 public:
  // Loads the signing key and certificate and every SP metadata file. Fails on an
  // unreadable key, a key file readable by group or others, or a bad metadata file,
  // naming the file.
  static Result<std::unique_ptr<IdentityProvider>> create(const IdpSettings& settings);
  virtual ~IdentityProvider() = default;

  // Decodes an HTTP-Redirect binding request from the raw query string (everything
  // after '?'): SAMLRequest is base64 of raw DEFLATE of the XML. Checks that the
  // issuer is a registered SP and the ACS URL is one its metadata lists.
  // Limits: query 64 KiB, inflated XML 256 KiB, RelayState 80 bytes (Bindings 3.4.3).
  // A signature is verified as federation/saml/request_signature.h describes, and each
  // request ID is accepted once per SP (federation/saml/replay_cache.h).
  virtual Result<AuthnRequest, RequestError> decode_redirect_request(std::string_view query) const = 0;

  // Decodes an HTTP-POST binding request from the raw form body: SAMLRequest is base64 of
  // the XML, without DEFLATE (Bindings 3.5.4). The checks and limits are those of
  // decode_redirect_request, except that a signature is an enveloped ds:Signature of the
  // AuthnRequest (federation/saml/request_signature.h) and the body is bounded at 1 MiB.
  virtual Result<AuthnRequest, RequestError> decode_post_request(
      std::string_view form_body) const = 0;

  // Decodes a LogoutRequest (SAML Core 3.7.1) from the raw query string of the HTTP-Redirect
  // binding or the form body of the HTTP-POST binding, with the limits of the AuthnRequest
  // decoders. The Issuer must be a registered SP with a SingleLogoutService in its metadata,
  // and the request must be signed (SAML Profiles 4.4.4.1) and verify with the SP's signing
  // certificates. Checks Version, ID, IssueInstant, Destination, NotOnOrAfter and the NameID,
  // and accepts each request ID once per SP. Every error is for the user (an HTTP 400 page).
  virtual Result<LogoutRequest, RequestError> decode_logout_redirect(
      std::string_view query) const = 0;
  virtual Result<LogoutRequest, RequestError> decode_logout_post(
      std::string_view form_body) const = 0;

  // Builds the signed LogoutResponse to `request` with status Success, and PartialLogout as
  // second-level code when `partial` is set (SAML Core 3.7.3.2). It goes to the SP's HTTP-
  // Redirect SingleLogoutService when it has one (signed over the query string), else to its
  // HTTP-POST one (enveloped signature). InvalidArgument when the SP has neither.
  virtual Result<LogoutReply> build_logout_response(const LogoutRequest& request,
                                                    bool partial) const = 0;

  // Builds the signed LogoutRequest to target.sp_entity_id, sent to its SingleLogoutService
  // as build_logout_response chooses it. InvalidArgument when the SP is unknown or has no
  // SingleLogoutService; kInternal when signing fails. The default returns kUnimplemented.
  virtual Result<OutgoingLogoutRequest> build_logout_request(const LogoutTarget& target) const {
    return Status::unimplemented("this identity provider cannot send LogoutRequests");
  }

  // Decodes a LogoutResponse from the raw query string (HTTP-Redirect) or form body
  // (HTTP-POST) of /saml/slo. The Issuer must be a registered SP and the response must be
  // signed (SAML Profiles 4.4.4.2) with one of its signing certificates. Checks Version, ID,
  // IssueInstant, Destination and InResponseTo, and accepts each response ID once per SP.
  // The caller compares InResponseTo and Issuer with the request it sent. The default
  // returns kUnimplemented.
  virtual Result<LogoutResult> decode_logout_response(bool post_binding,
                                                      std::string_view message) const {
    return Status::unimplemented("this identity provider cannot read LogoutResponses");
  }

  // True when the SP is registered and its metadata lists a SingleLogoutService that careid
  // can send to (HTTP-Redirect or HTTP-POST).
  virtual bool supports_single_logout(std::string_view sp_entity_id) const = 0;

  // Builds the Response for `request` with one Assertion about `subject`, signs it, and
  // returns the HTML page that POSTs it and the RelayState to the ACS URL. For an
  // HTTP-Artifact ACS the page POSTs a new SAMLart instead (SAML Bindings 3.6), and the
  // Response waits in the artifact store for the SP's ArtifactResolve. kResourceExhausted
  // when the store is full.
  virtual Result<std::string> build_post_response_page(const AuthnRequest& request,
                                                       const Subject& subject) const = 0;

  // Same as build_post_response_page but returns the signed Response XML; for tests.
  virtual Result<std::string> build_response_xml(const AuthnRequest& request,
                                                 const Subject& subject) const = 0;

  // Builds a Response with `error`'s status codes and no Assertion, and returns the HTML
  // page that POSTs it, or an artifact for it when error.acs_binding is HTTP-Artifact, to
  // error.acs_url. InvalidArgument when error.acs_url is empty: the
  // caller shows its own error page then. The Response is signed when sign_response is set.
  virtual Result<std::string> build_error_page(const RequestError& error) const = 0;

  // Same as build_error_page but returns the Response XML; for tests.
  virtual Result<std::string> build_error_response_xml(const RequestError& error) const = 0;

  // Handles a POST to the ArtifactResolutionService: `soap_body` as received,
  // `client_certificate_der` from the TLS connection (empty when none), `client` for logs.
  // See federation/saml/artifact_resolve.h. The default returns a SOAP fault.
  virtual SoapReply resolve_artifact(std::string_view soap_body,
                                     std::string_view client_certificate_der,
                                     std::string_view client) const {
    return SoapReply{500, "", ArtifactResolveOutcome::kFault};
  }

  // The value for the Content-Security-Policy header of the pages above: it allows only
  // their own fixed inline script, which submits the form.
  static std::string post_page_content_security_policy();

  // Returns the IdP's metadata (EntityDescriptor with IDPSSODescriptor, signing
  // KeyDescriptor, SingleSignOnService and, when slo_url is set, SingleLogoutService, each
  // for HTTP-Redirect and HTTP-POST, and the SOAP ArtifactResolutionService when
  // artifact_resolution_url is set), signed with the IdP's key.
  virtual std::string metadata_xml() const = 0;

  // Number of registered service providers.
  virtual std::size_t service_provider_count() const = 0;

  // Reads the SP metadata folder again and replaces the registered SPs when every file is
  // valid. Otherwise it keeps the old SPs and returns the error, which names the file.
  // Requests already being decoded finish with the SPs they started with, and the replay
  // cache is kept. Thread-safe. The default returns kUnimplemented.
  virtual Status reload_service_providers() {
    return Status::unimplemented("this identity provider cannot reload its service providers");
  }

  // Replaces the SPs that came from metadata sources (federation/saml/metadata_source.h)
  // and keeps those of the folder. An SP of the folder wins over a source's SP with the same
  // entityID, which is left out and logged. Thread-safe, and requests in progress keep the
  // registry they started with. Returns the number of SPs registered from `sps`. The default
  // returns kUnimplemented.
  virtual Result<std::size_t> set_source_service_providers(std::vector<ServiceProvider> sps) {
    return Status::unimplemented("this identity provider takes no metadata sources");
  }
};

}  // namespace careid::federation::saml
