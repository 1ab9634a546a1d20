// UTF-8 validation (RFC 3629), for DN values, Directory String syntax and TOML files.
#pragma once

#include <string_view>

namespace careid {

// True when `text` is well-formed UTF-8 (RFC 3629 4): no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences. NUL is allowed here;
// callers that forbid it check separately.
bool is_valid_utf8(std::string_view text);

}  // namespace careid
