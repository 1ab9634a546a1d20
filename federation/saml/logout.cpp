#include "federation/saml/logout.h"

#include "federation/saml/authn_request.h"
#include "federation/saml/post_binding.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"
#include "pki/detached_signature.h"
#include "pki/encoding.h"
#include "xml/document.h"

namespace careid::federation::saml {
namespace {

// The SP named by the Issuer, which must be registered and have a SingleLogoutService that
// the LogoutResponse can go to.
Result<const ServiceProvider*, RequestError> identify_logout_sp(
    xml::Element root, const ServiceProviderRegistry& sps) {
  std::string entity_id = trim_xml_whitespace(root.first_child(kAssertionNs, "Issuer").text());
  const ServiceProvider* sp = sps.find(entity_id);
  if (sp == nullptr) {
    return request_error_for_user("LogoutRequest issuer " + entity_id.substr(0, 256) +
                                  " is not registered");
  }
  if (sp->logout_endpoint() == nullptr) {
    return request_error_for_user("metadata of " + sp->entity_id +
                      " has no HTTP-Redirect or HTTP-POST SingleLogoutService");
  }
  return sp;
}

// SAML Core 3.2.1 and 3.7.1: Version, IssueInstant, Destination and NotOnOrAfter.
Status check_logout_fields(xml::Element root, const LogoutCheckContext& context) {
  CAREID_RETURN_IF_ERROR(check_message_fields(root, "LogoutRequest", context));
  auto not_on_or_after = root.attribute("NotOnOrAfter");
  if (not_on_or_after.has_value()) {
    auto expiry = parse_instant(*not_on_or_after);
    if (!expiry.has_value() || context.now - kMaxClockSkew >= *expiry) {
      return Status::invalid_argument("LogoutRequest NotOnOrAfter is invalid or has passed");
    }
  }
  return Status::ok_status();
}

// Reads the NameID and the SessionIndex values into `request`.
Status read_logout_subject(xml::Element root, LogoutRequest& request) {
  if (!root.first_child(kAssertionNs, "EncryptedID").is_null()) {
    return Status::unimplemented("LogoutRequest with an EncryptedID is not supported");
  }
  request.name_id = trim_xml_whitespace(root.first_child(kAssertionNs, "NameID").text());
  if (request.name_id.empty()) {
    return Status::invalid_argument("LogoutRequest has no NameID");
  }
  for (xml::Element index : root.children(kProtocolNs, "SessionIndex")) {
    std::string value = trim_xml_whitespace(index.text());
    if (value.empty()) {
      return Status::invalid_argument("LogoutRequest has an empty SessionIndex");
    }
    request.session_indexes.push_back(std::move(value));
  }
  return Status::ok_status();
}

// Parses and checks one LogoutRequest. The document parsed here is the one whose signature
// `check_signature` verifies and the one every value is read from.
Result<LogoutRequest, RequestError> check_logout_xml(std::string_view xml_text,
                                                     const std::optional<std::string>& relay_state,
                                                     const SignatureCheck& check_signature,
                                                     const LogoutCheckContext& context) {
  auto doc = parse_request_xml(xml_text);
  if (!doc.ok()) {
    return doc.error();
  }
  xml::Element root = doc->root();
  if (!root.is(kProtocolNs, "LogoutRequest")) {
    return request_error_for_user("SAMLRequest is not a samlp:LogoutRequest");
  }
  auto sp = identify_logout_sp(root, context.service_providers);
  if (!sp.ok()) {
    return sp.error();
  }
  // SAML Profiles 4.4.4.1: a LogoutRequest over the Redirect or POST binding must be signed.
  auto verified = check_signature(*doc, **sp, true);
  if (!verified.ok()) {
    return request_error_for_user(verified.error());
  }

  LogoutRequest request;
  request.issuer = (*sp)->entity_id;
  request.relay_state = relay_state.value_or("");
  request.id = root.attribute("ID").value_or("");
  if (!is_valid_id(request.id)) {
    return request_error_for_user("LogoutRequest ID is missing or not a valid xs:ID");
  }
  Status fields = check_logout_fields(root, context);
  if (fields.ok()) {
    fields = read_logout_subject(root, request);
  }
  if (!fields.ok()) {
    return request_error_for_user(fields.message());
  }

  auto instant = parse_instant(root.attribute("IssueInstant").value_or(""));
  if (context.replay_cache != nullptr &&
      !context.replay_cache->insert_once(request.issuer, request.id,
                                         instant.value_or(context.now) + kMaxRequestAge,
                                         context.now)) {
    return request_error_for_user("LogoutRequest " + request.id + " was already used");
  }
  return request;
}

// Builds the unsigned samlp:LogoutResponse (SAML Core 3.7.2).
xml::Document logout_response_document(const LogoutResponseContext& context,
                                       const LogoutRequest& request, std::string_view id,
                                       std::string_view destination, bool partial) {
  auto doc = xml::Document::create(kProtocolNs, "samlp", "LogoutResponse");
  xml::Element response = doc.root();
  response.declare_namespace(kAssertionNs, "saml");
  response.set_attribute("ID", id);
  response.set_attribute("InResponseTo", request.id);
  response.set_attribute("Version", "2.0");
  response.set_attribute("IssueInstant", format_instant(context.now));
  response.set_attribute("Destination", destination);
  response.append_text_child(kAssertionNs, "saml", "Issuer", context.idp_entity_id);

  xml::Element status_code = response.append_child(kProtocolNs, "samlp", "Status")
                                 .append_child(kProtocolNs, "samlp", "StatusCode");
  status_code.set_attribute("Value", kStatusSuccess);
  if (partial) {
    status_code.append_child(kProtocolNs, "samlp", "StatusCode")
        .set_attribute("Value", kStatusPartialLogout);
  }
  return doc;
}

}  // namespace

Status check_message_fields(xml::Element root, std::string_view message_name,
                            const LogoutCheckContext& context) {
  std::string name(message_name);
  if (root.attribute("Version").value_or("") != "2.0") {
    return Status::invalid_argument(name + " Version is not 2.0");
  }
  auto instant = parse_instant(root.attribute("IssueInstant").value_or(""));
  if (!instant.has_value() || *instant < context.now - kMaxRequestAge ||
      *instant > context.now + kMaxClockSkew) {
    return Status::invalid_argument(name + " IssueInstant is missing, invalid or too far "
                                    "from the current time " + format_instant(context.now));
  }
  auto destination = root.attribute("Destination");
  if (destination.has_value() && *destination != context.slo_url) {
    return Status::invalid_argument(name + " Destination " + destination->substr(0, 256) +
                                    " is not this IdP's SingleLogoutService " +
                                    std::string(context.slo_url));
  }
  return Status::ok_status();
}

Result<LogoutRequest, RequestError> check_logout_request(const RedirectMessage& message,
                                                         const LogoutCheckContext& context) {
  return check_logout_xml(message.saml_request, message.relay_state,
                          redirect_signature_check(message), context);
}

Result<LogoutRequest, RequestError> check_logout_request(const PostMessage& message,
                                                         const LogoutCheckContext& context) {
  return check_logout_xml(message.saml_request, message.relay_state, check_post_signature,
                          context);
}

Result<LogoutReply> build_logout_response(const LogoutResponseContext& context,
                                          const ServiceProvider& sp,
                                          const LogoutRequest& request, bool partial) {
  const LogoutEndpoint* endpoint = sp.logout_endpoint();
  if (endpoint == nullptr) {
    return Status::invalid_argument("metadata of " + sp.entity_id +
                                    " has no HTTP-Redirect or HTTP-POST SingleLogoutService");
  }
  std::string destination =
      endpoint->response_location.empty() ? endpoint->location : endpoint->response_location;
  Result<std::string> id = random_id();
  if (!id.ok()) {
    return id.status();
  }
  xml::Document doc = logout_response_document(context, request, *id, destination, partial);

  LogoutReply reply;
  reply.destination = destination;
  if (endpoint->binding == kHttpRedirectBinding) {
    auto url = signed_redirect_url(destination, "SAMLResponse", doc.to_string(), request.relay_state,
                                   *context.query_key);
    if (!url.ok()) {
      return url.status();
    }
    reply.redirect_url = std::move(url).value();
    return reply;
  }

  xml::Element issuer = doc.root().first_child(kAssertionNs, "Issuer");
  Status signed_status = xml::sign_enveloped(doc, doc.root(), issuer, *context.xml_key);
  if (!signed_status.ok()) {
    return signed_status.with_context("signing the LogoutResponse");
  }
  reply.post_page =
      build_post_page(destination, doc.to_string(), request.relay_state, "signing out");
  return reply;
}

Result<std::string> signed_redirect_url(std::string_view destination, std::string_view parameter,
                                        const std::string& xml, std::string_view relay_state,
                                        const pki::PrivateKey& key) {
  auto deflated = deflate_raw(xml);
  if (!deflated.ok()) {
    return deflated.status();
  }
  std::optional<pki::KeyType> type = key.type();
  std::string_view sig_alg =
      type == pki::KeyType::kEcdsaP256 ? kSigAlgEcdsaSha256 : kSigAlgRsaSha256;

  std::string query = std::string(parameter) + "=" + url_encode(pki::base64_encode(pki::as_bytes(*deflated)));
  if (!relay_state.empty()) {
    query += "&RelayState=" + url_encode(relay_state);
  }
  query += "&SigAlg=" + url_encode(sig_alg);
  auto signature = pki::sign_detached(key, pki::SignatureDigest::kSha256, pki::as_bytes(query));
  if (!signature.ok()) {
    return signature.status().with_context("signing the " + std::string(parameter) + " query");
  }
  query += "&Signature=" + url_encode(pki::base64_encode(*signature));
  char separator = destination.find('?') == std::string_view::npos ? '?' : '&';
  return std::string(destination) + separator + query;
}

}  // namespace careid::federation::saml
