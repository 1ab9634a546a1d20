#include "federation/saml/idp_logout.h"

#include "federation/saml/authn_request.h"
#include "federation/saml/post_binding.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"
#include "xml/document.h"

namespace careid::federation::saml {
namespace {

// Builds the unsigned samlp:LogoutRequest (SAML Core 3.7.1).
xml::Document logout_request_document(const LogoutResponseContext& context,
                                      const LogoutTarget& target, std::string_view id,
                                      std::string_view destination) {
  auto doc = xml::Document::create(kProtocolNs, "samlp", "LogoutRequest");
  xml::Element request = doc.root();
  request.declare_namespace(kAssertionNs, "saml");
  request.set_attribute("ID", id);
  request.set_attribute("Version", "2.0");
  request.set_attribute("IssueInstant", format_instant(context.now));
  request.set_attribute("Destination", destination);
  request.set_attribute("NotOnOrAfter", format_instant(context.now + kMaxRequestAge));
  request.append_text_child(kAssertionNs, "saml", "Issuer", context.idp_entity_id);

  xml::Element name_id =
      request.append_text_child(kAssertionNs, "saml", "NameID", target.name_id);
  if (!target.name_id_format.empty()) {
    name_id.set_attribute("Format", target.name_id_format);
  }
  // SAML Core 3.7.3.1: the NameID must match the assertion's, which carries this qualifier
  // (response_builder.cpp); Lasso, the library of mod_auth_mellon, compares it too.
  name_id.set_attribute("SPNameQualifier", target.sp_entity_id);
  if (!target.session_index.empty()) {
    request.append_text_child(kProtocolNs, "samlp", "SessionIndex", target.session_index);
  }
  return doc;
}

// SAML Core 3.2.2: Version, ID, IssueInstant, Destination and InResponseTo.
Status check_response_fields(xml::Element root, const LogoutCheckContext& context) {
  CAREID_RETURN_IF_ERROR(check_message_fields(root, "LogoutResponse", context));
  if (!is_valid_id(root.attribute("ID").value_or(""))) {
    return Status::invalid_argument("LogoutResponse ID is missing or not a valid xs:ID");
  }
  if (root.attribute("InResponseTo").value_or("").empty()) {
    return Status::invalid_argument("LogoutResponse has no InResponseTo");
  }
  return Status::ok_status();
}

// Parses and checks one LogoutResponse; as check_logout_xml in logout.cpp, the document
// whose signature is verified is the one every value is read from.
Result<LogoutResult> check_response_xml(std::string_view parameter, std::string_view xml_text,
                                        const std::optional<std::string>& relay_state,
                                        const SignatureCheck& check_signature,
                                        const LogoutCheckContext& context) {
  if (parameter != "SAMLResponse") {
    return Status::invalid_argument("expected a SAMLResponse, got " + std::string(parameter));
  }
  auto doc = parse_request_xml(xml_text);
  if (!doc.ok()) {
    return Status::invalid_argument(doc.error().message);
  }
  xml::Element root = doc->root();
  if (!root.is(kProtocolNs, "LogoutResponse")) {
    return Status::invalid_argument("SAMLResponse is not a samlp:LogoutResponse");
  }
  std::string issuer = trim_xml_whitespace(root.first_child(kAssertionNs, "Issuer").text());
  const ServiceProvider* sp = context.service_providers.find(issuer);
  if (sp == nullptr) {
    return Status::invalid_argument("LogoutResponse issuer " + issuer.substr(0, 256) +
                                    " is not registered");
  }
  // SAML Profiles 4.4.4.2: a LogoutResponse over the Redirect or POST binding must be signed.
  auto verified = check_signature(*doc, *sp, true);
  if (!verified.ok()) {
    return Status::permission_denied(verified.error());
  }
  CAREID_RETURN_IF_ERROR(check_response_fields(root, context));

  LogoutResult result;
  result.issuer = sp->entity_id;
  result.in_response_to = root.attribute("InResponseTo").value_or("");
  result.relay_state = relay_state.value_or("");
  xml::Element status_code =
      root.first_child(kProtocolNs, "Status").first_child(kProtocolNs, "StatusCode");
  result.status_code = status_code.attribute("Value").value_or("");
  if (result.status_code.empty()) {
    return Status::invalid_argument("LogoutResponse has no Status/StatusCode Value");
  }

  std::string id = root.attribute("ID").value_or("");
  auto instant = parse_instant(root.attribute("IssueInstant").value_or(""));
  if (context.replay_cache != nullptr &&
      !context.replay_cache->insert_once(result.issuer, id,
                                         instant.value_or(context.now) + kMaxRequestAge,
                                         context.now)) {
    return Status::invalid_argument("LogoutResponse " + id + " was already used");
  }
  return result;
}

}  // namespace

bool LogoutResult::success() const { return status_code == kStatusSuccess; }

Result<OutgoingLogoutRequest> build_logout_request(const LogoutResponseContext& context,
                                                   const ServiceProvider& sp,
                                                   const LogoutTarget& target) {
  const LogoutEndpoint* endpoint = sp.logout_endpoint();
  if (endpoint == nullptr) {
    return Status::invalid_argument("metadata of " + sp.entity_id +
                                    " has no HTTP-Redirect or HTTP-POST SingleLogoutService");
  }
  Result<std::string> id = random_id();
  if (!id.ok()) {
    return id.status();
  }
  xml::Document doc = logout_request_document(context, target, *id, endpoint->location);

  OutgoingLogoutRequest outgoing;
  outgoing.id = *id;
  outgoing.message.destination = endpoint->location;
  if (endpoint->binding == kHttpRedirectBinding) {
    auto url = signed_redirect_url(endpoint->location, "SAMLRequest", doc.to_string(),
                                   target.relay_state, *context.query_key);
    if (!url.ok()) {
      return url.status();
    }
    outgoing.message.redirect_url = std::move(url).value();
    return outgoing;
  }

  xml::Element issuer = doc.root().first_child(kAssertionNs, "Issuer");
  Status signed_status = xml::sign_enveloped(doc, doc.root(), issuer, *context.xml_key);
  if (!signed_status.ok()) {
    return signed_status.with_context("signing the LogoutRequest");
  }
  outgoing.message.post_page = build_post_page(endpoint->location, doc.to_string(),
                                               target.relay_state, "signing out", "SAMLRequest");
  return outgoing;
}

Result<LogoutResult> check_logout_response(const RedirectMessage& message,
                                           const LogoutCheckContext& context) {
  return check_response_xml(message.message_parameter, message.saml_request, message.relay_state,
                            redirect_signature_check(message), context);
}

Result<LogoutResult> check_logout_response(const PostMessage& message,
                                           const LogoutCheckContext& context) {
  return check_response_xml(message.message_parameter, message.saml_request, message.relay_state,
                            check_post_signature, context);
}

}  // namespace careid::federation::saml
