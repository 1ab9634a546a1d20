// Internal to the decoder: decoding of each request protocolOp (RFC 4511 4.2-4.12).
#pragma once

#include <cstdint>

#include "directory/ber/reader.h"
#include "directory/protocol/decoder.h"
#include "directory/protocol/messages.h"
#include "directory/result_code.h"

namespace careid::directory::protocol::detail {

// Decodes the protocolOp element at the start of `op`, whose tag is APPLICATION `tag`.
// Fails with the LDAP result code and diagnostic to report; an unknown tag is protocolError.
Result<RequestOp, LdapError> decode_request_op(ber::Reader op, OpTag tag,
                                               const DecodeLimits& limits);

// Converts a Status from the BER reader or filter decoder into an LdapError, adding
// `context` (the field being read) to the message.
LdapError to_ldap_error(const Status& status, std::string_view context);

}  // namespace careid::directory::protocol::detail
