#include "directory/ber/writer.h"

#include <cassert>

namespace careid::directory::ber {

void append_length(std::string& out, std::size_t length) {
  if (length < 0x80) {
    out += static_cast<char>(length);
    return;
  }

  char octets[sizeof(std::size_t)];
  std::size_t count = 0;
  while (length > 0) {
    octets[count++] = static_cast<char>(length & 0xFF);
    length >>= 8;
  }
  out += static_cast<char>(0x80 | count);
  while (count > 0) {
    out += octets[--count];
  }
}

void Writer::write_tag(const Tag& tag) {
  std::uint8_t first = static_cast<std::uint8_t>(static_cast<std::uint8_t>(tag.tag_class) << 6);
  if (tag.constructed) {
    first |= 0x20;
  }
  if (tag.number < 31) {
    buffer_ += static_cast<char>(first | tag.number);
    return;
  }

  // High tag number form (X.690 8.1.2.4): base-128 digits, most significant first.
  buffer_ += static_cast<char>(first | 0x1F);
  char digits[5];
  std::size_t count = 0;
  std::uint32_t number = tag.number;
  while (number > 0) {
    digits[count++] = static_cast<char>(number & 0x7F);
    number >>= 7;
  }
  while (count > 0) {
    --count;
    buffer_ += static_cast<char>(digits[count] | (count > 0 ? 0x80 : 0));
  }
}

void Writer::write_primitive(const Tag& tag, std::string_view content) {
  write_tag(tag);
  append_length(buffer_, content.size());
  buffer_.append(content);
}

void Writer::write_integer(std::int64_t value, const Tag& tag) {
  // Emit the fewest octets whose two's complement still carries the sign (X.690 8.3.2):
  // drop a leading 0x00 or 0xFF while the next octet's high bit repeats it.
  auto bits = static_cast<std::uint64_t>(value);
  int count = 8;
  while (count > 1) {
    auto top = static_cast<std::uint8_t>(bits >> (8 * (count - 1)));
    auto next_sign = static_cast<std::uint8_t>((bits >> (8 * (count - 2) + 7)) & 1);
    bool redundant = (top == 0x00 && next_sign == 0) || (top == 0xFF && next_sign == 1);
    if (!redundant) {
      break;
    }
    --count;
  }

  std::string content;
  for (int i = count - 1; i >= 0; --i) {
    content += static_cast<char>(bits >> (8 * i));
  }
  write_primitive(tag, content);
}

void Writer::write_enumerated(std::int64_t value, const Tag& tag) {
  write_integer(value, tag);
}

void Writer::write_boolean(bool value, const Tag& tag) {
  write_primitive(tag, value ? std::string_view("\xFF", 1) : std::string_view("\x00", 1));
}

void Writer::write_octet_string(std::string_view value, const Tag& tag) {
  write_primitive(tag, value);
}

void Writer::write_null(const Tag& tag) {
  write_primitive(tag, {});
}

void Writer::write_raw(std::string_view encoded) {
  buffer_.append(encoded);
}

void Writer::begin_constructed(const Tag& tag) {
  Tag constructed = tag;
  constructed.constructed = true;
  write_tag(constructed);

  // One placeholder octet; end_constructed() widens it when the content is 128 or longer.
  open_.push_back(buffer_.size());
  buffer_ += '\0';
}

void Writer::end_constructed() {
  assert(!open_.empty());
  std::size_t placeholder = open_.back();
  open_.pop_back();

  std::size_t length = buffer_.size() - placeholder - 1;
  std::string encoded;
  append_length(encoded, length);
  buffer_.replace(placeholder, 1, encoded);
}

std::string Writer::finish() {
  assert(open_.empty());
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

}  // namespace careid::directory::ber
