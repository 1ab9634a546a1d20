// Fuzzes BER framing and LDAPMessage decoding (RFC 4511 4.1.1) with the server's limits:
// the bytes a client sends before it has authenticated.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "directory/ber/framing.h"
#include "directory/protocol/decoder.h"

namespace {

// The server's default PDU limit is larger; a small one makes kTooLarge reachable.
constexpr std::size_t kMaxPduBytes = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view received(reinterpret_cast<const char*>(data), size);

  // Frame and decode PDUs one after another, as a session does with its read buffer.
  while (!received.empty()) {
    const auto frame = careid::directory::ber::frame_pdu(received, kMaxPduBytes);
    if (frame.status != careid::directory::ber::FrameStatus::kComplete) {
      break;
    }
    const auto pdu = received.substr(0, frame.size);
    (void)careid::directory::protocol::decode_request(pdu);
    (void)careid::directory::protocol::decode_response(pdu);
    received.remove_prefix(frame.size);
  }
  return 0;
}
