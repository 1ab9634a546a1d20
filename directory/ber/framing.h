// Framing: finds where one LDAPMessage ends in a byte stream, from its header alone.
//
// A server calls frame_pdu() on everything received and not yet consumed. It returns
// kNeedMore until a whole PDU is present, then kComplete with the PDU size. A PDU whose
// declared size exceeds the limit is reported as kTooLarge as soon as its header is in,
// before the content arrives, so a server never buffers more than the limit.
#pragma once

#include <cstddef>
#include <string_view>

namespace careid::directory::ber {

enum class FrameStatus {
  kNeedMore,   // the bytes so far are a valid prefix; read more
  kComplete,   // the first `size` bytes are one whole PDU
  kTooLarge,   // the header declares a PDU of more than max_pdu_size bytes
  kMalformed,  // the header can never be valid: bad tag, indefinite or over-long length
};

struct Frame {
  FrameStatus status = FrameStatus::kNeedMore;
  std::size_t size = 0;    // kComplete and kTooLarge: header plus declared content length
  std::string_view error;  // kMalformed and kTooLarge: static text for logs
};

// Frames the PDU at the start of `received`. The PDU must start with a universal
// constructed SEQUENCE tag (0x30), because every LDAPMessage does (RFC 4511 4.1.1);
// anything else is kMalformed at the first byte. `max_pdu_size` bounds the whole PDU,
// header included. Does not decode the content.
Frame frame_pdu(std::string_view received, std::size_t max_pdu_size);

}  // namespace careid::directory::ber
