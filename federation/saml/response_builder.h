// Construction of samlp:Response messages (SAML Core 3.2.2, 2.3.3) with one signed
// saml:Assertion, as the Web Browser SSO profile requires (SAML Profiles 4.1.4.2).
//
// Values are placed in a libxml2 tree through xml::Element, never concatenated into XML
// text. Signing is CPU-bound (an RSA-2048 signature takes about a millisecond, an estimate
// that varies with the machine), so call these functions off I/O threads.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"
#include "federation/saml/identity_provider.h"
#include "xml/signature.h"

namespace careid::federation::saml {

struct ResponseContext {
  std::string idp_entity_id;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds assertion_lifetime{300};
  const xml::SigningKey* key = nullptr;  // not owned; must outlive the call
  bool sign_response = false;
  // When set, the signed Assertion is encrypted for this RSA key and sent as
  // saml:EncryptedAssertion (SAML Core 2.3.4; profile in xml/encryption.h). Not owned.
  const xml::VerificationKey* encryption_key = nullptr;
};

// Builds and signs the success Response to `request`. The Assertion carries the subject's
// NameID (with SPNameQualifier = the SP), a bearer SubjectConfirmation for the ACS URL,
// Conditions with an AudienceRestriction to the SP, an AuthnStatement and one Attribute
// per entry of subject.attributes (NameFormat basic, xs:string values). InvalidArgument if
// the NameID is empty or a value is not valid XML text (XML 1.0 section 2.2).
Result<std::string> build_success_response(const ResponseContext& context,
                                           const AuthnRequest& request, const Subject& subject);

// Builds a Response without an Assertion whose Status carries error.status_code, the
// optional second-level error.sub_status_code and error.message as StatusMessage. It is
// signed when context.sign_response is set. InvalidArgument if error.acs_url is empty.
Result<std::string> build_error_response(const ResponseContext& context, const RequestError& error);

// Appends a samlp:Status with StatusCode `code`, a nested StatusCode `sub_code` when it is
// not empty, and a StatusMessage when `message` is not empty (SAML Core 3.2.2).
void append_status(xml::Element response, std::string_view code, std::string_view sub_code,
                   std::string_view message);

// A fresh message ID: '_' and 40 hex digits (160 random bits), a valid xs:ID (SAML Core
// 1.3.4 asks for at least 128 random bits).
Result<std::string> random_id();

}  // namespace careid::federation::saml
