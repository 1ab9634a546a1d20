#include "pki/encoding.h"

#include <array>
#include <cstdint>

namespace careid::pki {

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kHexDigits = "0123456789abcdef";

// Maps each byte to its 6-bit value, or -1 for a byte outside the base64 alphabet.
constexpr std::array<int8_t, 256> make_base64_table() {
  std::array<int8_t, 256> table{};
  for (auto& value : table) {
    value = -1;
  }
  for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

constexpr std::array<int8_t, 256> kBase64Table = make_base64_table();

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

Status invalid_base64(std::string_view reason) {
  return Status::invalid_argument("invalid base64: " + std::string(reason));
}

// Splits off and checks the '=' padding; returns the characters before it.
Result<std::string_view> strip_padding(std::string_view text, Base64Padding padding) {
  if (padding == Base64Padding::kNone) {
    if (text.find('=') != std::string_view::npos) {
      return invalid_base64("unexpected '=' padding");
    }
    return text;
  }

  if (text.size() % 4 != 0) {
    return invalid_base64("length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') {
    ++pad;
  }
  std::string_view body = text.substr(0, text.size() - pad);
  if (body.find('=') != std::string_view::npos) {
    return invalid_base64("'=' before the end of the text");
  }
  return body;
}

}  // namespace

std::string base64_encode(ByteView data, Base64Padding padding) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);

  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t group = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kBase64Alphabet[(group >> 18) & 0x3f];
    out += kBase64Alphabet[(group >> 12) & 0x3f];
    out += kBase64Alphabet[(group >> 6) & 0x3f];
    out += kBase64Alphabet[group & 0x3f];
  }

  // RFC 4648 section 4: one or two leftover bytes become two or three characters.
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (rest == 2) {
      group |= uint32_t{data[i + 1]} << 8;
    }
    out += kBase64Alphabet[(group >> 18) & 0x3f];
    out += kBase64Alphabet[(group >> 12) & 0x3f];
    if (rest == 2) {
      out += kBase64Alphabet[(group >> 6) & 0x3f];
    }
    if (padding == Base64Padding::kRequired) {
      out.append(3 - rest, '=');
    }
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text, Base64Padding padding) {
  auto body = strip_padding(text, padding);
  if (!body.ok()) {
    return body.status();
  }
  std::string_view chars = *body;
  if (chars.size() % 4 == 1) {
    return invalid_base64("length " + std::to_string(chars.size()) + " leaves a lone character");
  }

  Bytes out;
  out.reserve(chars.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    int8_t value = kBase64Table[static_cast<uint8_t>(chars[i])];
    if (value < 0) {
      return invalid_base64("character at offset " + std::to_string(i) + " is not in the alphabet");
    }
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<uint8_t>(bits >> bit_count));
      bits &= (1u << bit_count) - 1;
    }
  }

  // RFC 4648 section 3.5: the bits left after the last byte must be zero, so that each byte
  // string has one encoding.
  if (bits != 0) {
    return invalid_base64("non-zero bits after the last byte");
  }
  return out;
}

std::string hex_encode(ByteView data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t byte : data) {
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0x0f];
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Status::invalid_argument("invalid hex: odd length " + std::to_string(text.size()));
  }

  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int high = hex_value(text[i]);
    int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) {
      return Status::invalid_argument("invalid hex: non-hex character near offset " +
                                      std::to_string(i));
    }
    out.push_back(static_cast<uint8_t>((high << 4) | low));
  }
  return out;
}

}  // namespace careid::pki
