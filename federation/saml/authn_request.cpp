#include "federation/saml/authn_request.h"

#include <algorithm>

#include "federation/saml/authn_context.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"
#include "xml/document.h"

namespace careid::federation::saml {
namespace {

// SAML requests are small; a nested one deeper than this is not a real request.
constexpr int kMaxRequestDepth = 16;


bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

RequestError user_error(std::string message) { return request_error_for_user(std::move(message)); }

// The bindings an assertion may go by: ProtocolBinding when the request names one (it must
// be HTTP-POST, or HTTP-Artifact when artifacts are on), else both, HTTP-POST first.
Result<std::vector<std::string_view>, RequestError> acceptable_bindings(
    const std::optional<std::string>& requested, bool artifact_enabled) {
  std::vector<std::string_view> bindings = {kHttpPostBinding};
  if (artifact_enabled) {
    bindings.push_back(kHttpArtifactBinding);
  }
  if (!requested.has_value()) {
    return bindings;
  }
  for (std::string_view binding : bindings) {
    if (binding == *requested) {
      return std::vector<std::string_view>{binding};
    }
  }
  return user_error("ProtocolBinding " + requested->substr(0, 256) + " is not supported; use " +
                    (artifact_enabled ? "HTTP-POST or HTTP-Artifact" : "HTTP-POST"));
}

// Chooses the ACS (SAML Core 3.4.1): AssertionConsumerServiceURL or
// AssertionConsumerServiceIndex, which are mutually exclusive, else the SP's default. Only
// endpoints listed in the SP's metadata with an acceptable binding are taken, so that a
// request cannot send an assertion anywhere else.
Result<const AssertionConsumerService*, RequestError> choose_acs(xml::Element request,
                                                                 const ServiceProvider& sp,
                                                                 bool artifact_enabled) {
  auto url = request.attribute("AssertionConsumerServiceURL");
  auto index = request.attribute("AssertionConsumerServiceIndex");
  if (url.has_value() && index.has_value()) {
    return user_error("AuthnRequest has both AssertionConsumerServiceURL and "
                      "AssertionConsumerServiceIndex");
  }
  auto bindings = acceptable_bindings(request.attribute("ProtocolBinding"), artifact_enabled);
  if (!bindings.ok()) {
    return bindings.error();
  }
  auto acceptable = [&](const AssertionConsumerService* acs) {
    return acs != nullptr &&
           std::find(bindings->begin(), bindings->end(), acs->binding) != bindings->end();
  };

  const AssertionConsumerService* acs = nullptr;
  for (std::string_view binding : *bindings) {
    acs = url.has_value() ? sp.find_acs(binding, *url) : sp.default_acs(binding);
    if (acs != nullptr) {
      break;
    }
  }
  if (index.has_value()) {
    bool numeric = !index->empty() && index->size() <= 5 &&
                   index->find_first_not_of("0123456789") == std::string::npos;
    acs = numeric ? sp.find_acs_by_index(std::stoi(*index)) : nullptr;
  }
  if (!acceptable(acs)) {
    std::string named = url.has_value()     ? "AssertionConsumerServiceURL " + url->substr(0, 256)
                        : index.has_value() ? "AssertionConsumerServiceIndex " + index->substr(0, 16)
                                            : std::string("a default AssertionConsumerService");
    return user_error(named + " is not an endpoint with a supported binding in the metadata of " +
                      sp.entity_id);
  }
  return acs;
}

// Checks that can be reported to the SP once it is known (SAML Core 3.2.1, 3.4.1.1).
Status check_fields(xml::Element request, const AuthnRequestContext& context,
                    std::string& status_code, std::string& sub_status) {
  status_code = kStatusRequester;
  if (request.attribute("Version").value_or("") != "2.0") {
    status_code = kStatusVersionMismatch;
    return Status::invalid_argument("AuthnRequest Version is not 2.0");
  }

  auto instant = parse_instant(request.attribute("IssueInstant").value_or(""));
  if (!instant.has_value()) {
    return Status::invalid_argument("AuthnRequest IssueInstant is missing or invalid");
  }
  if (*instant < context.now - kMaxRequestAge || *instant > context.now + kMaxClockSkew) {
    return Status::invalid_argument("AuthnRequest IssueInstant " + format_instant(*instant) +
                                    " is too far from the current time " +
                                    format_instant(context.now));
  }

  auto destination = request.attribute("Destination");
  if (destination.has_value() && *destination != context.sso_url) {
    return Status::invalid_argument("AuthnRequest Destination " + *destination +
                                    " is not this IdP's SSO URL " + std::string(context.sso_url));
  }
  return Status::ok_status();
}

Result<std::string, RequestError> read_name_id_format(xml::Element request) {
  xml::Element policy = request.first_child(kProtocolNs, "NameIDPolicy");
  std::string format = policy.attribute("Format").value_or("");
  if (format.empty() || format == kNameIdUnspecified) {
    return std::string();
  }
  if (format != kNameIdPersistent && format != kNameIdTransient && format != kNameIdEmail) {
    RequestError error = user_error("NameIDPolicy Format " + format + " is not supported");
    error.sub_status_code = kStatusInvalidNameIdPolicy;
    return error;
  }
  return format;
}

// Parses the XML and reads the Issuer, reporting failures to the user only.
Result<const ServiceProvider*, RequestError> identify_sp(const xml::Document& doc,
                                                         const ServiceProviderRegistry& sps) {
  xml::Element root = doc.root();
  if (!root.is(kProtocolNs, "AuthnRequest")) {
    return user_error("SAMLRequest is not a samlp:AuthnRequest");
  }
  xml::Element issuer = root.first_child(kAssertionNs, "Issuer");
  auto format = issuer.attribute("Format");
  if (issuer.is_null() || (format.has_value() && *format != kNameIdEntity)) {
    return user_error("AuthnRequest has no Issuer entity ID");
  }
  std::string entity_id = trim_xml_whitespace(issuer.text());
  const ServiceProvider* sp = sps.find(entity_id);
  if (sp == nullptr) {
    return user_error("service provider " + entity_id.substr(0, 256) + " is not registered");
  }
  return sp;
}


// Reads an optional xs:boolean attribute ("true", "1", "false", "0").
Result<bool, std::string> read_boolean(xml::Element element, std::string_view name) {
  std::optional<std::string> value = element.attribute(name);
  if (!value.has_value() || *value == "false" || *value == "0") {
    return false;
  }
  if (*value == "true" || *value == "1") {
    return true;
  }
  return "AuthnRequest " + std::string(name) + " is not an xs:boolean";
}

// Records the request ID until the request would be stale anyway (kMaxRequestAge after its
// IssueInstant), so that each AuthnRequest is answered once.
bool record_first_use(xml::Element root, const AuthnRequest& request,
                      const AuthnRequestContext& context) {
  if (context.replay_cache == nullptr) {
    return true;
  }
  auto instant = parse_instant(root.attribute("IssueInstant").value_or(""));
  auto expires = instant.value_or(context.now) + kMaxRequestAge;
  return context.replay_cache->insert_once(request.issuer, request.id, expires, context.now);
}

// The checks after the mandatory fields: NameIDPolicy, RequestedAuthnContext, the flags
// and replay. Fills `request`, or returns the error to send to the SP in `error`.
bool check_options(xml::Element root, const AuthnRequestContext& context, AuthnRequest& request,
                   RequestError& error) {
  auto format = read_name_id_format(root);
  if (!format.ok()) {
    error.message = format.error().message;
    error.sub_status_code = format.error().sub_status_code;
    return false;
  }
  request.name_id_format = *format;

  xml::Element requested_context = root.first_child(kProtocolNs, "RequestedAuthnContext");
  Status authn_context = check_requested_authn_context(requested_context);
  if (!authn_context.ok()) {
    // SAML Core 3.2.2.2: NoAuthnContext is the responder's failure, under Responder.
    error.message = authn_context.message();
    error.status_code = kStatusResponder;
    error.sub_status_code = kStatusNoAuthnContext;
    return false;
  }
  request.password_login_allowed = password_meets_requested_authn_context(requested_context);

  auto force_authn = read_boolean(root, "ForceAuthn");
  auto is_passive = read_boolean(root, "IsPassive");
  if (!force_authn.ok() || !is_passive.ok()) {
    error.message = !force_authn.ok() ? force_authn.error() : is_passive.error();
    return false;
  }
  request.force_authn = *force_authn;
  request.is_passive = *is_passive;

  if (!record_first_use(root, request, context)) {
    error.message = "AuthnRequest " + request.id + " was already used; start a new login at the "
                    "service provider";
    error.sub_status_code = kStatusRequestDenied;
    return false;
  }
  return true;
}

// Parses and checks one AuthnRequest. The document parsed here is the one whose signature
// `check_signature` verifies and the one every value is read from.
Result<AuthnRequest, RequestError> check_request_xml(std::string_view xml_text,
                                                     const std::optional<std::string>& relay_state,
                                                     const SignatureCheck& check_signature,
                                                     const AuthnRequestContext& context) {
  auto doc = parse_request_xml(xml_text);
  if (!doc.ok()) {
    return doc.error();
  }
  auto sp = identify_sp(*doc, context.service_providers);
  if (!sp.ok()) {
    return sp.error();
  }
  bool required = context.require_signed_requests || (*sp)->authn_requests_signed;
  auto signed_request = check_signature(*doc, **sp, required);
  if (!signed_request.ok()) {
    return user_error(signed_request.error());
  }
  xml::Element root = doc->root();
  auto acs = choose_acs(root, **sp, context.artifact_enabled);
  if (!acs.ok()) {
    return acs.error();
  }

  // From here on the SP and a registered ACS are known, so errors go back to the SP.
  AuthnRequest request;
  request.issuer = (*sp)->entity_id;
  request.acs_url = (*acs)->location;
  request.acs_binding = (*acs)->binding;
  request.relay_state = relay_state.value_or("");
  std::string id = root.attribute("ID").value_or("");
  RequestError error{"", std::string(kStatusRequester), request.acs_url, "", request.issuer,
                     is_valid_id(id) ? id : "", request.relay_state, request.acs_binding};
  if (!is_valid_id(id)) {
    error.message = "AuthnRequest ID is missing or not a valid xs:ID";
    return error;
  }
  request.id = id;

  Status fields = check_fields(root, context, error.status_code, error.sub_status_code);
  if (!fields.ok()) {
    error.message = fields.message();
    return error;
  }
  request.signed_request = *signed_request;
  if (!check_options(root, context, request, error)) {
    return error;
  }
  return request;
}

}  // namespace

Result<xml::Document, RequestError> parse_request_xml(std::string_view xml_text) {
  xml::ParseLimits limits;
  limits.max_bytes = kMaxInflatedBytes;
  limits.max_depth = kMaxRequestDepth;
  auto doc = xml::Document::parse(xml_text, limits);
  if (!doc.ok()) {
    return request_error_for_user("SAMLRequest is not acceptable XML: " + doc.status().message());
  }
  return std::move(doc).value();
}

RequestError request_error_for_user(std::string message) {
  return RequestError{std::move(message), std::string(kStatusRequester), "", "", "", "", "", ""};
}

std::string trim_xml_whitespace(std::string text) {
  const char* space = " \t\r\n";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 256 || !(is_letter(id[0]) || id[0] == '_')) {
    return false;
  }
  for (char c : id) {
    bool allowed = is_letter(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!allowed) {
      return false;
    }
  }
  return true;
}

Result<AuthnRequest, RequestError> check_authn_request(const RedirectMessage& message,
                                                       const AuthnRequestContext& context) {
  return check_request_xml(message.saml_request, message.relay_state,
                           redirect_signature_check(message), context);
}

Result<AuthnRequest, RequestError> check_authn_request(const PostMessage& message,
                                                       const AuthnRequestContext& context) {
  return check_request_xml(message.saml_request, message.relay_state, check_post_signature,
                           context);
}

}  // namespace careid::federation::saml
