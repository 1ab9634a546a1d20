// Decoding of one framed LDAPMessage (RFC 4511 4.1.1) into a Request.
//
// The input is one whole PDU as returned by ber::frame_pdu(). Decoding copies every field
// out, so the Request does not refer to the input afterwards. Malformed input of any kind
// yields a DecodeError, never an exception; only a failed allocation can throw.
//
// DNs, attribute descriptions and OIDs are copied as sent. Their syntax is checked by the
// layers that parse them (directory/dn, the schema), not here.
// TODO: LDAPString fields are not yet checked to be UTF-8 (RFC 4511 4.1.2), so invalid
// UTF-8 reaches the server's operation handlers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "directory/protocol/filter.h"
#include "directory/protocol/messages.h"
#include "directory/result_code.h"

namespace careid::directory::protocol {

struct DecodeLimits {
  FilterLimits filter;
  // Maximum entries in any SEQUENCE OF or SET OF in a request: controls, attribute
  // selectors, changes, attributes, values of one attribute. A policy bound on memory
  // per PDU, on top of the PDU size limit.
  std::size_t max_list_elements = 10000;
};

enum class DecodeErrorKind {
  // The PDU is not a valid LDAPMessage: no messageID could be trusted. The server sends a
  // Notice of Disconnection with protocolError and closes (RFC 4511 4.1.1, 4.4.1).
  kInvalidMessage,
  // The envelope (messageID and protocolOp tag) is valid but the operation or its controls
  // are not. If response_tag is set, the server sends a response of that type for
  // message_id with result_code. Otherwise (Unbind, Abandon or an unknown operation) it
  // disconnects as for kInvalidMessage.
  kInvalidOperation,
};

struct DecodeError {
  DecodeErrorKind kind = DecodeErrorKind::kInvalidMessage;
  std::int32_t message_id = 0;        // kInvalidOperation only
  std::uint32_t op_tag_number = 0;    // application tag number; kInvalidOperation only
  std::optional<OpTag> response_tag;  // kInvalidOperation only
  // protocolError for malformed input; adminLimitExceeded when a DecodeLimits bound was
  // hit; authMethodNotSupported for an unknown BindRequest authentication choice.
  ResultCode result_code = ResultCode::kProtocolError;
  // For diagnosticMessage and logs: names the field and the rule broken. It may quote an
  // attribute description or a number from the request, never an attribute value
  // or credential.
  std::string diagnostic;
};

// Decodes `pdu` and checks these RFC 4511 rules beyond BER structure:
//   - messageID in 1..maxInt, because 0 is reserved for unsolicited notifications (4.1.1.1);
//   - no octets after the PDU or after the last field of any element;
//   - BindRequest version in 1..127, search scope 0..2 and derefAliases 0..3;
//   - sizeLimit and timeLimit in 0..maxInt, modify operation 0..3 (3 is RFC 4525 increment);
//   - at least one value per AddRequest attribute, and the filter rules of decode_filter().
// Checking that version is 3 is left to the server.
Result<Request, DecodeError> decode_request(std::string_view pdu, const DecodeLimits& limits = {});

// Decodes one response PDU, for clients, tools and tests. messageID 0 is accepted because
// unsolicited notifications use it. Fails with kInvalidArgument naming the bad field.
// Applies the same BER strictness as decode_request but no DecodeLimits, so use it only
// on PDUs already bounded by frame_pdu().
Result<Response> decode_response(std::string_view pdu);

}  // namespace careid::directory::protocol
