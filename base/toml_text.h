// Parsing of TOML text with toml11, for careidd's configuration, access policy files and
// OpenID Connect client files.
#pragma once

#include <string_view>

#include <toml.hpp>

#include "base/status.h"

namespace careid {

// Parses `text` as TOML. `source` names the file in toml11's messages. Text that is not
// valid UTF-8 is rejected with InvalidArgument before toml11 parses it. TOML 1.0 requires
// UTF-8, and toml11 3.7.1 (Debian 12) reads past the end of its buffer while it reports
// invalid UTF-8 inside a literal string. A syntax error is InvalidArgument with toml11's
// message.
Result<toml::value> parse_toml(std::string_view text, std::string_view source);

}  // namespace careid
