#include "xml/text.h"

#include <cstdint>

namespace careid::xml {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

bool is_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at text[pos]. Returns its length, or 0 if it is invalid
// (truncated, overlong, a surrogate or above U+10FFFF).
std::size_t decode_utf8(std::string_view text, std::size_t pos, std::uint32_t& code_point) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }

  if (pos + length > text.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < min || surrogate || code_point > 0x10FFFF) {
    return 0;
  }
  return length;
}

}  // namespace

bool is_valid_xml_text(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint32_t c = 0;
    std::size_t length = decode_utf8(text, pos, c);
    if (length == 0 || !is_xml_char(c)) {
      return false;
    }
    pos += length;
  }
  return true;
}

std::string to_xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint32_t c = 0;
    std::size_t length = decode_utf8(text, pos, c);
    if (length == 0) {
      out += kReplacementCharacter;
      pos += 1;
      continue;
    }
    if (is_xml_char(c)) {
      out.append(text.substr(pos, length));
    } else {
      out += kReplacementCharacter;
    }
    pos += length;
  }
  return out;
}

}  // namespace careid::xml
