#include "directory/ber/framing.h"

#include "directory/ber/header.h"

namespace careid::directory::ber {

Frame frame_pdu(std::string_view received, std::size_t max_pdu_size) {
  if (received.empty()) {
    return Frame{FrameStatus::kNeedMore, 0, {}};
  }
  if (static_cast<unsigned char>(received[0]) != 0x30) {
    return Frame{FrameStatus::kMalformed, 0, "PDU does not start with a SEQUENCE tag (0x30)"};
  }

  HeaderParse parse = parse_header(received);
  if (parse.status == HeaderStatus::kTruncated) {
    return Frame{FrameStatus::kNeedMore, 0, {}};
  }
  if (parse.status == HeaderStatus::kInvalid) {
    return Frame{FrameStatus::kMalformed, 0, parse.error};
  }

  // The header is at most 6 octets and the length at most 2^32 - 1, so this cannot overflow.
  std::size_t size = parse.header.header_size + parse.header.content_length;
  if (size > max_pdu_size) {
    return Frame{FrameStatus::kTooLarge, size, "PDU exceeds the maximum PDU size"};
  }
  if (received.size() < size) {
    return Frame{FrameStatus::kNeedMore, 0, {}};
  }
  return Frame{FrameStatus::kComplete, size, {}};
}

}  // namespace careid::directory::ber
