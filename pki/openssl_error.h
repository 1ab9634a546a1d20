// Turns OpenSSL's per-thread error queue into a careid::Status. Internal to pki: other
// components see only the Status.
#pragma once

#include <string_view>

#include "base/status.h"

namespace careid::pki {

// Returns a Status with `code` and the message "<what>: <lib>: <reason>; ..." listing every
// entry on the calling thread's OpenSSL error queue, oldest first, and empties the queue so
// that a later failure does not report stale entries. With an empty queue the message is `what`.
Status openssl_status(StatusCode code, std::string_view what);

// Empties the calling thread's OpenSSL error queue, after a failure that the caller handles
// itself (for example a DER parse tried before a PEM parse).
void clear_openssl_errors();

}  // namespace careid::pki
