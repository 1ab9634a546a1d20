// Decoding of a SAML request received with the HTTP-POST binding (SAML Bindings 3.5.4): an
// application/x-www-form-urlencoded body whose SAMLRequest field is the base64 of the
// message XML, without DEFLATE, and an optional RelayState field.
//
// The body comes from any browser, so each stage has a bound: the body itself, the decoded
// XML (the same 256 KiB as the Redirect binding) and RelayState (80 bytes, Bindings 3.5.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::federation::saml {

// Bound on the form body. The base64 of kMaxInflatedBytes of XML is about 350 KiB, which
// leaves room for the percent-encoding of its '+', '/' and '=' characters.
inline constexpr std::size_t kMaxPostBodyBytes = 1024 * 1024;

// The fields of one HTTP-POST message, URL-decoded. A signature, if any, is inside the XML
// (an enveloped ds:Signature of the root element).
struct PostMessage {
  // "SAMLRequest" or "SAMLResponse": the field that carried the message.
  std::string message_parameter = "SAMLRequest";
  std::string saml_request;  // the base64-decoded XML of the request or response
  std::optional<std::string> relay_state;
};

// Splits the form `body` and decodes SAMLRequest, or SAMLResponse when the form has that
// field instead. Line breaks and spaces inside the base64
// text are ignored, because some SPs wrap it at 76 characters. Errors, each naming the field:
//   kResourceExhausted  body over kMaxPostBodyBytes, XML over kMaxInflatedBytes, or
//                       RelayState over kMaxRelayStateBytes
//   kInvalidArgument    SAMLRequest missing, empty or repeated, RelayState repeated, bad
//                       percent-encoding or bad base64
Result<PostMessage> decode_post_form(std::string_view body);

}  // namespace careid::federation::saml
