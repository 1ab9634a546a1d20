// The controls of one request (RFC 4511 4.1.11), decoded and checked against its
// operation. A control careid does not implement, or one that does not apply to the
// operation, is ignored when non-critical and rejected with unavailableCriticalExtension
// when critical. A known control whose value does not decode is protocolError.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "directory/protocol/controls.h"
#include "directory/protocol/messages.h"

namespace careid::directory::server {

struct RequestControls {
  std::optional<protocol::Filter> assertion;           // RFC 4528
  std::optional<std::vector<std::string>> pre_read;    // RFC 4527, the attribute selection
  std::optional<std::vector<std::string>> post_read;   // RFC 4527
  bool subtree_delete = false;
  bool permissive_modify = false;
  std::optional<protocol::PagedResults> paged;         // RFC 2696
  std::optional<std::vector<protocol::SortKey>> sort;  // RFC 2891
  bool sort_critical = false;
};

// Decodes the controls of `request`, or returns the result to send instead of running it.
Result<RequestControls, protocol::LdapResult> decode_request_controls(const protocol::Request& request);

}  // namespace careid::directory::server
