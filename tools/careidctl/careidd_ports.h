// Detects a running careidd before commands that need a data folder's stores to themselves.
#pragma once

#include <string_view>

#include "base/config.h"
#include "base/status.h"

namespace careid::careidctl {

// Returns kFailedPrecondition naming the address when something listens on the LDAP or
// HTTPS address and port of `config`, else OK. It tries to bind each port and sends
// nothing. `action` ends the message, as in "stop careidd before reindexing".
// NOTE: another program on one of those ports also counts as a running careidd, and an
// address that is not an IPv4 literal is not checked.
Status require_careidd_stopped(const Config& config, std::string_view action);

}  // namespace careid::careidctl
