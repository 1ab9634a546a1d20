// Byte strings used across the pki library: owned Bytes and borrowed ByteView.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace careid::pki {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Views the characters of `text` as bytes. The view is valid as long as `text`'s storage is.
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Copies `bytes` into a std::string, byte for byte, for APIs that hold binary data in strings.
inline std::string to_string(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace careid::pki
