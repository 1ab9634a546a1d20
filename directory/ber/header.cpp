#include "directory/ber/header.h"

#include <cstdint>

namespace careid::directory::ber {
namespace {

HeaderParse truncated() {
  return HeaderParse{HeaderStatus::kTruncated, {}, "input ends inside an element header"};
}

HeaderParse invalid(std::string_view reason) {
  return HeaderParse{HeaderStatus::kInvalid, {}, reason};
}

// Reads the identifier octets into `tag`; returns the octets used, or a failed parse.
HeaderParse parse_identifier(std::string_view input, Tag& tag, std::size_t& used) {
  auto first = static_cast<std::uint8_t>(input[0]);
  tag.tag_class = static_cast<TagClass>(first >> 6);
  tag.constructed = (first & 0x20) != 0;
  used = 1;
  if ((first & 0x1F) != 0x1F) {
    tag.number = first & 0x1F;
    return HeaderParse{HeaderStatus::kOk, {}, {}};
  }

  // High tag number form: base-128 digits, most significant first, bit 8 set on all but
  // the last (X.690 8.1.2.4). A leading 0x80 digit would be a non-minimal encoding.
  std::uint32_t number = 0;
  while (true) {
    if (used >= input.size()) {
      return truncated();
    }
    auto octet = static_cast<std::uint8_t>(input[used]);
    if (used == 1 && octet == 0x80) {
      return invalid("tag number has a leading zero digit");
    }
    if (number > (kMaxTagNumber >> 7)) {
      return invalid("tag number is too large");
    }
    number = (number << 7) | (octet & 0x7F);
    ++used;
    if ((octet & 0x80) == 0) {
      break;
    }
  }

  // X.690 8.1.2.2: numbers 0 to 30 must use the single-octet form.
  if (number < 31) {
    return invalid("tag number below 31 uses the multi-byte form");
  }
  tag.number = number;
  return HeaderParse{HeaderStatus::kOk, {}, {}};
}

}  // namespace

HeaderParse parse_header(std::string_view input) {
  if (input.empty()) {
    return truncated();
  }

  HeaderParse result{HeaderStatus::kOk, {}, {}};
  std::size_t used = 0;
  HeaderParse identifier = parse_identifier(input, result.header.tag, used);
  if (identifier.status != HeaderStatus::kOk) {
    return identifier;
  }

  if (used >= input.size()) {
    return truncated();
  }
  auto first = static_cast<std::uint8_t>(input[used++]);
  if (first < 0x80) {
    result.header.content_length = first;
    result.header.header_size = used;
    return result;
  }

  // Long form: the low seven bits count the length octets that follow (X.690 8.1.3.5).
  std::size_t count = first & 0x7F;
  if (count == 0) {
    return invalid("indefinite length form is not allowed in LDAP (RFC 4511 5.1)");
  }
  if (count == 0x7F) {
    return invalid("length octet 0xFF is reserved (X.690 8.1.3.5)");
  }
  if (count > kMaxLengthOctets) {
    return invalid("length uses more than four length octets");
  }
  if (input.size() - used < count) {
    return truncated();
  }

  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) {
    length = (length << 8) | static_cast<std::uint8_t>(input[used + i]);
  }
  used += count;
  result.header.content_length = length;
  result.header.header_size = used;
  result.header.non_minimal_length =
      length < 0x80 || (count > 1 && length < (std::size_t{1} << (8 * (count - 1))));
  return result;
}

}  // namespace careid::directory::ber
