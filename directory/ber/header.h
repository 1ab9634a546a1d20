// Parsing of one BER element header: identifier octets and definite length (X.690 8.1.2-8.1.3).
//
// Used by the Reader and by the network framing, which must tell "not enough bytes yet"
// apart from "these bytes can never be valid".
#pragma once

#include <cstddef>
#include <string_view>

#include "directory/ber/tag.h"

namespace careid::directory::ber {

// Lengths of more octets than this are rejected: four octets already allow 4 GiB, far above
// any PDU limit, and a bounded count keeps the arithmetic in range.
inline constexpr std::size_t kMaxLengthOctets = 4;

struct Header {
  Tag tag;
  std::size_t header_size = 0;      // identifier plus length octets
  std::size_t content_length = 0;   // as declared; not checked against the input size
  bool non_minimal_length = false;  // long form where a shorter form would do (allowed in BER)
};

enum class HeaderStatus {
  kOk,
  kTruncated,  // the input ends inside the header; more bytes may complete it
  kInvalid,    // no continuation can make this header valid
};

struct HeaderParse {
  HeaderStatus status = HeaderStatus::kInvalid;
  Header header;
  std::string_view error;  // static text naming the rule broken; empty when status is kOk
};

// Parses the header at the start of `input`. Rejects the indefinite length form (0x80,
// forbidden by RFC 4511 5.1), the reserved length octet 0xFF, lengths of more than
// kMaxLengthOctets octets, tag numbers above kMaxTagNumber and multi-byte tag numbers that
// are not minimal (X.690 8.1.2.4.2). Never reads past `input`.
HeaderParse parse_header(std::string_view input);

}  // namespace careid::directory::ber
