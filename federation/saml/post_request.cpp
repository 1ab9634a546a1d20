#include "federation/saml/post_request.h"

#include "federation/saml/redirect_binding.h"
#include "pki/encoding.h"

namespace careid::federation::saml {
namespace {

std::string without_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<PostMessage> decode_post_form(std::string_view body) {
  if (body.size() > kMaxPostBodyBytes) {
    return Status::resource_exhausted("form body exceeds the limit of " +
                                      std::to_string(kMaxPostBodyBytes) + " bytes");
  }

  PostMessage message;
  std::optional<std::string> raw_request;
  std::optional<std::string> request;
  std::optional<std::string> raw_response;
  std::optional<std::string> response;
  std::optional<std::string> raw_relay_state;
  // Other fields (a submit button's name, for example) are ignored.
  CAREID_RETURN_IF_ERROR(for_each_form_parameter(body, [&](std::string_view name,
                                                           std::string_view value) {
    if (name == "SAMLRequest") {
      return store_form_parameter(name, value, raw_request, request);
    }
    if (name == "SAMLResponse") {
      return store_form_parameter(name, value, raw_response, response);
    }
    if (name == "RelayState") {
      return store_form_parameter(name, value, raw_relay_state, message.relay_state);
    }
    return Status::ok_status();
  }));

  if (request.has_value() && response.has_value()) {
    return Status::invalid_argument("the form has both SAMLRequest and SAMLResponse");
  }
  if (response.has_value()) {
    message.message_parameter = "SAMLResponse";
    request = std::move(response);
  }
  if (!request.has_value() || request->empty()) {
    return Status::invalid_argument("form field SAMLRequest is missing or empty");
  }
  if (message.relay_state.has_value() && message.relay_state->size() > kMaxRelayStateBytes) {
    return Status::resource_exhausted("RelayState exceeds the limit of " +
                                      std::to_string(kMaxRelayStateBytes) + " bytes");
  }

  auto xml = pki::base64_decode(without_whitespace(*request));
  if (!xml.ok()) {
    return Status::invalid_argument("form field " + message.message_parameter + " is not valid base64");
  }
  if (xml->size() > kMaxInflatedBytes) {
    return Status::resource_exhausted(message.message_parameter + " XML exceeds the limit of " +
                                      std::to_string(kMaxInflatedBytes) + " bytes");
  }
  message.saml_request = pki::to_string(*xml);
  return message;
}

}  // namespace careid::federation::saml
