// Add, modify, delete, modify DN and compare with their controls: assertion (RFC 4528),
// pre-read and post-read (RFC 4527), subtree delete and permissive modify.
#pragma once

#include <vector>

#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"
#include "directory/server/request_controls.h"

namespace careid::directory::server {

struct UpdateOutcome {
  protocol::ResponseOp response;
  std::vector<protocol::Control> controls;  // response controls (pre-read, post-read)
};

// Runs an add, modify, delete, modify DN or compare `request` whose controls decoded to
// `controls`. The assertion, pre-read and post-read of an update see the entry in the
// update's own write transaction (engine::TargetControls). Blocking: run it on a worker
// thread.
UpdateOutcome run_update(engine::Directory& directory, const protocol::Request& request,
                         const RequestControls& controls, const engine::Identity& identity);

}  // namespace careid::directory::server
