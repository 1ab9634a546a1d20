#include "federation/saml/response_builder.h"

#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"
#include "pki/digest.h"
#include "pki/encoding.h"
#include "xml/document.h"
#include "xml/encryption.h"
#include "xml/text.h"

namespace careid::federation::saml {
namespace {

using xml::Element;

constexpr std::size_t kIdRandomBytes = 20;

// Every value that goes into the assertion must survive serialisation unchanged.
Status check_subject_text(const Subject& subject) {
  if (subject.name_id.empty() || !xml::is_valid_xml_text(subject.name_id)) {
    return Status::invalid_argument("subject NameID is empty or not valid XML text");
  }
  for (const auto& [name, values] : subject.attributes) {
    if (name.empty() || !xml::is_valid_xml_text(name)) {
      return Status::invalid_argument("attribute name is empty or not valid XML text");
    }
    for (const std::string& value : values) {
      if (!xml::is_valid_xml_text(value)) {
        return Status::invalid_argument("a value of attribute " + name + " is not valid XML text");
      }
    }
  }
  return Status::ok_status();
}

// Starts a samlp:Response with its Issuer (SAML Core 3.2.2).
xml::Document start_response(const ResponseContext& context, const std::string& id,
                             const std::string& in_response_to, const std::string& destination) {
  auto doc = xml::Document::create(kProtocolNs, "samlp", "Response");
  Element response = doc.root();
  response.declare_namespace(kAssertionNs, "saml");
  response.set_attribute("ID", id);
  if (!in_response_to.empty()) {
    response.set_attribute("InResponseTo", in_response_to);
  }
  response.set_attribute("Version", "2.0");
  response.set_attribute("IssueInstant", format_instant(context.now));
  response.set_attribute("Destination", destination);
  response.append_text_child(kAssertionNs, "saml", "Issuer", context.idp_entity_id);
  return doc;
}

void append_subject(Element assertion, const ResponseContext& context, const AuthnRequest& request,
                    const Subject& subject) {
  Element subject_element = assertion.append_child(kAssertionNs, "saml", "Subject");
  Element name_id = subject_element.append_text_child(kAssertionNs, "saml", "NameID", subject.name_id);
  name_id.set_attribute("Format", subject.name_id_format);
  name_id.set_attribute("SPNameQualifier", request.issuer);

  // Bearer confirmation (SAML Profiles 4.1.4.2): bound to the request and the ACS URL.
  Element confirmation = subject_element.append_child(kAssertionNs, "saml", "SubjectConfirmation");
  confirmation.set_attribute("Method", kBearerMethod);
  Element data = confirmation.append_child(kAssertionNs, "saml", "SubjectConfirmationData");
  data.set_attribute("InResponseTo", request.id);
  data.set_attribute("Recipient", request.acs_url);
  data.set_attribute("NotOnOrAfter", format_instant(context.now + context.assertion_lifetime));
}

void append_conditions(Element assertion, const ResponseContext& context,
                       const AuthnRequest& request) {
  Element conditions = assertion.append_child(kAssertionNs, "saml", "Conditions");
  conditions.set_attribute("NotBefore", format_instant(context.now));
  conditions.set_attribute("NotOnOrAfter", format_instant(context.now + context.assertion_lifetime));
  Element restriction = conditions.append_child(kAssertionNs, "saml", "AudienceRestriction");
  restriction.append_text_child(kAssertionNs, "saml", "Audience", request.issuer);
}

void append_authn_statement(Element assertion, const Subject& subject,
                            const std::string& session_index) {
  Element statement = assertion.append_child(kAssertionNs, "saml", "AuthnStatement");
  statement.set_attribute("AuthnInstant", format_instant(subject.authn_instant));
  statement.set_attribute("SessionIndex", session_index);
  Element context = statement.append_child(kAssertionNs, "saml", "AuthnContext");
  context.append_text_child(kAssertionNs, "saml", "AuthnContextClassRef",
                            subject.authn_context_class);
}

void append_attributes(Element assertion, const Subject& subject) {
  // saml:AttributeStatement needs at least one Attribute (SAML Core 2.7.3).
  if (subject.attributes.empty()) {
    return;
  }
  Element statement = assertion.append_child(kAssertionNs, "saml", "AttributeStatement");
  for (const auto& [name, values] : subject.attributes) {
    Element attribute = statement.append_child(kAssertionNs, "saml", "Attribute");
    attribute.set_attribute("Name", name);
    attribute.set_attribute("NameFormat", kAttributeNameFormatBasic);
    for (const std::string& value : values) {
      Element value_element =
          attribute.append_text_child(kAssertionNs, "saml", "AttributeValue", value);
      value_element.set_attribute(xml::kXmlSchemaInstanceNs, "xsi", "type", "xs:string");
    }
  }
}

Result<std::string> finish(xml::Document& doc, const ResponseContext& context) {
  if (context.sign_response) {
    Element response = doc.root();
    CAREID_RETURN_IF_ERROR(xml::sign_enveloped(
        doc, response, response.first_child(kAssertionNs, "Issuer"), *context.key));
  }
  return doc.to_string();
}

}  // namespace

void append_status(xml::Element response, std::string_view code, std::string_view sub_code,
                   std::string_view message) {
  Element status = response.append_child(kProtocolNs, "samlp", "Status");
  Element status_code = status.append_child(kProtocolNs, "samlp", "StatusCode");
  status_code.set_attribute("Value", code);
  if (!sub_code.empty()) {
    status_code.append_child(kProtocolNs, "samlp", "StatusCode").set_attribute("Value", sub_code);
  }
  if (!message.empty()) {
    status.append_text_child(kProtocolNs, "samlp", "StatusMessage", message);
  }
}

Result<std::string> random_id() {
  auto bytes = pki::random_bytes(kIdRandomBytes);
  if (!bytes.ok()) {
    return bytes.status();
  }
  return "_" + pki::hex_encode(*bytes);
}

Result<std::string> build_success_response(const ResponseContext& context,
                                           const AuthnRequest& request, const Subject& subject) {
  CAREID_RETURN_IF_ERROR(check_subject_text(subject));
  auto response_id = random_id();
  auto assertion_id = random_id();
  auto session_index = random_id();
  if (!response_id.ok() || !assertion_id.ok() || !session_index.ok()) {
    return Status::internal("cannot generate random IDs");
  }

  auto doc = start_response(context, *response_id, request.id, request.acs_url);
  Element response = doc.root();
  append_status(response, kStatusSuccess, "", "");

  Element assertion = response.append_child(kAssertionNs, "saml", "Assertion");
  // xs and xsi are declared inside the signed element so that the Assertion keeps them
  // when an SP copies it out of the Response.
  assertion.declare_namespace(xml::kXmlSchemaNs, "xs");
  assertion.declare_namespace(xml::kXmlSchemaInstanceNs, "xsi");
  assertion.set_attribute("ID", *assertion_id);
  assertion.set_attribute("Version", "2.0");
  assertion.set_attribute("IssueInstant", format_instant(context.now));
  Element issuer = assertion.append_text_child(kAssertionNs, "saml", "Issuer", context.idp_entity_id);
  append_subject(assertion, context, request, subject);
  append_conditions(assertion, context, request);
  append_authn_statement(assertion, subject,
                         subject.session_index.empty() ? *session_index : subject.session_index);
  append_attributes(assertion, subject);

  // SAML Core 5.4.1: the Signature follows the Issuer. Inner signature first, so that a
  // Response signature covers the signed Assertion.
  CAREID_RETURN_IF_ERROR(xml::sign_enveloped(doc, assertion, issuer, *context.key));

  // Sign, then encrypt: the SP decrypts and then verifies the Assertion's own signature.
  if (context.encryption_key != nullptr) {
    assertion.wrap(kAssertionNs, "saml", "EncryptedAssertion");
    auto encrypted = xml::encrypt_element(doc, assertion, *context.encryption_key);
    if (!encrypted.ok()) {
      return encrypted.status().with_context("encrypting the assertion");
    }
  }
  return finish(doc, context);
}

Result<std::string> build_error_response(const ResponseContext& context, const RequestError& error) {
  if (error.acs_url.empty()) {
    return Status::invalid_argument("no registered ACS URL to send the error Response to");
  }
  auto response_id = random_id();
  if (!response_id.ok()) {
    return response_id.status();
  }
  std::string code = error.status_code.empty() ? std::string(kStatusRequester) : error.status_code;

  auto doc = start_response(context, *response_id, error.request_id, error.acs_url);
  append_status(doc.root(), code, error.sub_status_code, error.message);
  return finish(doc, context);
}

}  // namespace careid::federation::saml
