// Internal to the encoders: pieces shared by request and response encoding.
#pragma once

#include <cstdint>
#include <vector>

#include "directory/ber/writer.h"
#include "directory/protocol/messages.h"

namespace careid::directory::protocol::detail {

// Opens the LDAPMessage SEQUENCE and writes messageID.
void begin_message(std::int32_t message_id, ber::Writer& writer);

// Writes the controls [0] when non-empty and closes the LDAPMessage SEQUENCE.
void end_message(const std::vector<Control>& controls, ber::Writer& writer);

// PartialAttribute ::= SEQUENCE { type, vals SET OF value } (RFC 4511 4.1.7).
void write_partial_attribute(const PartialAttribute& attribute, ber::Writer& writer);

}  // namespace careid::directory::protocol::detail
