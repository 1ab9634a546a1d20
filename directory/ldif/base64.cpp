#include "directory/ldif/base64.h"

#include <array>
#include <cstdint>

namespace careid::directory::ldif {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& slot : table) {
    slot = -1;
  }
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr std::array<std::int8_t, 256> kDecodeTable = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = (static_cast<unsigned char>(bytes[i]) << 16) |
                          (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                          static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(group >> 18) & 0x3f]);
    out.push_back(kAlphabet[(group >> 12) & 0x3f]);
    out.push_back(kAlphabet[(group >> 6) & 0x3f]);
    out.push_back(kAlphabet[group & 0x3f]);
  }

  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) {
      group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out.push_back(kAlphabet[(group >> 18) & 0x3f]);
    out.push_back(kAlphabet[(group >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kAlphabet[(group >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }

  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    // Padding may only fill the last one or two places of the final group.
    int padding = 0;
    if (i + 4 == text.size() && text[i + 3] == '=') {
      padding = text[i + 2] == '=' ? 2 : 1;
    }

    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      if (static_cast<int>(j) >= 4 - padding) {
        group <<= 6;
        continue;
      }
      std::int8_t value = kDecodeTable[static_cast<unsigned char>(text[i + j])];
      if (value < 0) {
        return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(value);
    }

    out.push_back(static_cast<char>((group >> 16) & 0xff));
    if (padding < 2) {
      out.push_back(static_cast<char>((group >> 8) & 0xff));
    }
    if (padding < 1) {
      out.push_back(static_cast<char>(group & 0xff));
    }
  }
  return out;
}

}  // namespace careid::directory::ldif
