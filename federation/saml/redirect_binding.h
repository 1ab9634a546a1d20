// Decoding of the SAML 2.0 HTTP-Redirect binding (SAML Bindings 3.4.4.1): query string
// parameters, base64 and raw DEFLATE (RFC 1951, no zlib header) of the message XML.
//
// Every stage has a bound because the query comes from any browser. The query length also
// bounds the base64 text. DEFLATE can expand data up to about 1000 times, so inflation
// stops at its own output limit instead of trusting the input.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::federation::saml {

inline constexpr std::size_t kMaxQueryBytes = 64 * 1024;
inline constexpr std::size_t kMaxInflatedBytes = 256 * 1024;
// SAML Bindings 3.4.3: RelayState MUST NOT exceed 80 bytes.
inline constexpr std::size_t kMaxRelayStateBytes = 80;

// The parameters of one HTTP-Redirect message. Values are URL-decoded; the raw values are
// kept because a signature over the query covers them exactly as received (3.4.4.1).
struct RedirectMessage {
  // "SAMLRequest" or "SAMLResponse": the parameter that carried the message.
  std::string message_parameter = "SAMLRequest";
  std::string saml_request;  // the inflated XML of the request or response
  std::optional<std::string> relay_state;
  std::optional<std::string> sig_alg;
  std::optional<std::string> signature;
  std::string raw_saml_request;
  std::optional<std::string> raw_relay_state;
  std::optional<std::string> raw_sig_alg;
};

// Splits `query` (everything after '?') and decodes SAMLRequest, or SAMLResponse when the
// query has that parameter instead. Errors, each with a message naming the parameter:
//   kResourceExhausted  query over kMaxQueryBytes, XML over max_inflated bytes, or
//                       RelayState over kMaxRelayStateBytes
//   kInvalidArgument    SAMLRequest and SAMLResponse both missing, both present or repeated, bad percent-encoding, bad base64,
//                       not a complete raw DEFLATE stream, or data after the stream
Result<RedirectMessage> decode_redirect_query(std::string_view query,
                                              std::size_t max_inflated = kMaxInflatedBytes);

// The SAML parameters of one query string or form body, URL-decoded, each beside its raw
// value as received (a Redirect signature covers the raw values).
struct SamlParameters {
  // "SAMLRequest" or "SAMLResponse": the parameter that carried the message.
  std::string message_parameter = "SAMLRequest";
  std::optional<std::string> raw_message;
  std::optional<std::string> message;
  std::optional<std::string> raw_relay_state;
  std::optional<std::string> relay_state;
  std::optional<std::string> raw_sig_alg;
  std::optional<std::string> sig_alg;
  std::optional<std::string> signature;
};

// Collects SAMLRequest or SAMLResponse, RelayState, SigAlg and Signature from `text` and
// ignores other parameters. `source` ("query" or "form") names the text in errors:
//   kInvalidArgument    SAMLRequest and SAMLResponse both present, a repeated parameter or
//                       bad percent-encoding
//   kResourceExhausted  RelayState over kMaxRelayStateBytes
Result<SamlParameters> read_saml_parameters(std::string_view text, std::string_view source);

// Splits application/x-www-form-urlencoded `text` (a query string or a form body) at '&'
// and '=' and calls `visit` with each name and its raw, still encoded value. Returns the
// first error that `visit` returns. Names are passed as received, because SAML's parameter
// names contain no escaped characters.
Status for_each_form_parameter(
    std::string_view text,
    const std::function<Status(std::string_view name, std::string_view raw_value)>& visit);

// Stores the URL-decoded `raw` value of parameter `name` in `slot` and `raw` itself in
// `raw_slot`. kInvalidArgument when `raw_slot` is already set (a repeated parameter) or the
// percent-encoding is bad.
Status store_form_parameter(std::string_view name, std::string_view raw,
                            std::optional<std::string>& raw_slot,
                            std::optional<std::string>& slot);

// Decodes application/x-www-form-urlencoded text: "%XX" and '+' for space. A '%' not
// followed by two hex digits is kInvalidArgument.
Result<std::string> url_decode(std::string_view text);

// Inflates a raw DEFLATE stream. kResourceExhausted once the output would exceed
// `max_output` bytes; kInvalidArgument for a corrupt or incomplete stream or trailing data.
Result<std::string> inflate_raw(std::string_view compressed, std::size_t max_output);

// Compresses `data` as a raw DEFLATE stream, for messages that careid sends with the
// HTTP-Redirect binding. kInternal when zlib fails.
Result<std::string> deflate_raw(std::string_view data);

// Percent-encodes every byte except the RFC 3986 unreserved characters (A-Z, a-z, 0-9,
// '-', '.', '_', '~'), for query string values.
std::string url_encode(std::string_view text);

}  // namespace careid::federation::saml
