// Base64 (RFC 4648 section 4, standard alphabet with '=' padding) for LDIF values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace careid::directory::ldif {

std::string base64_encode(std::string_view bytes);

// Returns the decoded bytes, or nullopt when `text` is not valid base64: a length that
// is not a multiple of four, a character outside the alphabet, or misplaced padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace careid::directory::ldif
