// Response encoding helpers shared by the session's files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "directory/protocol/decoder.h"
#include "directory/protocol/messages.h"

namespace careid::directory::server {

// Encodes one LDAPMessage carrying `op` and the response `controls`.
std::string encode(std::int32_t message_id, protocol::ResponseOp op, std::vector<protocol::Control> controls = {});

// Encodes the response to a well-framed request whose operation did not decode (RFC 4511
// 4.1.1). `error.response_tag` must be set.
std::string encode_error_response(const protocol::DecodeError& error);

}  // namespace careid::directory::server
