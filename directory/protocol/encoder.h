// Encoding of LDAPMessages (RFC 4511 4.1.1): responses for the server, and requests for
// clients, tools and tests. Output is one complete PDU with minimal lengths, ready to
// write to the socket. Every struct value has an encoding, so these functions return no
// error. Values of 4 GiB or more would need a 5-octet length, which Reader rejects.
#pragma once

#include <string>
#include <string_view>

#include "directory/protocol/messages.h"
#include "directory/result_code.h"

namespace careid::directory::protocol {

// Encodes `response`. Optional fields are sent only when set; LdapResult.referral only
// when non-empty; controls only when non-empty.
std::string encode_response(const Response& response);

// Encodes `request`; decode_request() of the output returns an equal Request.
std::string encode_request(const Request& request);

// Encodes the Notice of Disconnection (RFC 4511 4.4.1): an unsolicited ExtendedResponse
// with messageID 0 and responseName 1.3.6.1.4.1.1466.20036. `code` is usually
// protocolError, unavailable or strongerAuthRequired.
std::string encode_notice_of_disconnection(ResultCode code, std::string_view diagnostic);

}  // namespace careid::directory::protocol
