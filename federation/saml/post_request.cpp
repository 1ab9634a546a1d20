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

  auto parameters = read_saml_parameters(body, "form");
  if (!parameters.ok()) {
    return parameters.status();
  }
  if (!parameters->message.has_value() || parameters->message->empty()) {
    return Status::invalid_argument("form field SAMLRequest is missing or empty");
  }

  PostMessage message;
  message.message_parameter = parameters->message_parameter;
  message.relay_state = std::move(parameters->relay_state);
  auto xml = pki::base64_decode(without_whitespace(*parameters->message));
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
