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
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::federation::saml {

struct IdpSettings {
  std::string entity_id;        // e.g. https://127.0.0.1:8443/saml/metadata
  std::string sso_url;          // e.g. https://127.0.0.1:8443/saml/sso
  std::filesystem::path signing_key;          // PEM, RSA or ECDSA P-256, mode 0600
  std::filesystem::path signing_certificate;  // PEM
  std::filesystem::path sp_metadata_dir;      // *.xml, one EntityDescriptor each
  std::chrono::seconds assertion_lifetime{300};
  // Also sign the samlp:Response around the signed Assertion. The Assertion is always signed.
  bool sign_response = false;
  // Require a valid signature on every AuthnRequest, also from SPs whose metadata does not
  // set AuthnRequestsSigned="true".
  bool require_signed_requests = false;
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

  // Builds the Response for `request` with one Assertion about `subject`, signs it, and
  // returns the HTML page that POSTs it and the RelayState to the ACS URL.
  virtual Result<std::string> build_post_response_page(const AuthnRequest& request,
                                                       const Subject& subject) const = 0;

  // Same as build_post_response_page but returns the signed Response XML; for tests.
  virtual Result<std::string> build_response_xml(const AuthnRequest& request,
                                                 const Subject& subject) const = 0;

  // Builds a Response with `error`'s status codes and no Assertion, and returns the HTML
  // page that POSTs it to error.acs_url. InvalidArgument when error.acs_url is empty: the
  // caller shows its own error page then. The Response is signed when sign_response is set.
  virtual Result<std::string> build_error_page(const RequestError& error) const = 0;

  // Same as build_error_page but returns the Response XML; for tests.
  virtual Result<std::string> build_error_response_xml(const RequestError& error) const = 0;

  // The value for the Content-Security-Policy header of the pages above: it allows only
  // their own fixed inline script, which submits the form.
  static std::string post_page_content_security_policy();

  // Returns the IdP's metadata (EntityDescriptor with IDPSSODescriptor, signing
  // KeyDescriptor and the HTTP-Redirect SingleSignOnService), signed with the IdP's key.
  virtual std::string metadata_xml() const = 0;

  // Number of registered service providers.
  virtual std::size_t service_provider_count() const = 0;
};

}  // namespace careid::federation::saml
