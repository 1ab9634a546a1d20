// The non-search LDAP operations as plain blocking functions: each maps one decoded
// request to its response through engine::Directory. The session runs them on the worker
// pool. They check what RFC 4511 leaves to the server: the LDAP version on bind, the
// criticality of controls, and which extended operations exist.
#pragma once

#include <optional>
#include <vector>

#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"

namespace careid::directory::server {

struct OperationOutcome {
  protocol::ResponseOp response;
  // Set by a bind: the identity the connection has from now on. A failed bind leaves
  // the connection anonymous (RFC 4511 4.2.1).
  std::optional<engine::Identity> new_identity;
  // Response controls to send with `response` (pre-read and post-read, RFC 4527).
  std::vector<protocol::Control> controls;
};

// Returns the result to send instead of running `request` when its controls are wrong
// (request_controls.h): unavailableCriticalExtension for a critical control careid does
// not implement for this operation (RFC 4511 4.1.11), protocolError for a malformed one.
// std::nullopt when the request may run.
std::optional<protocol::LdapResult> check_controls(const protocol::Request& request);

// Runs a bind, add, modify, delete, compare, modify DN or extended request.
OperationOutcome execute(engine::Directory& directory, const protocol::Request& request,
                         const engine::Identity& identity);

// Runs a BindRequest like execute() when it needs no slow password hash and writes
// nothing (engine::Directory::bind_simple_if_cheap), so that it may run on an I/O thread.
// Returns std::nullopt, having written nothing, when the bind must run through execute()
// on a worker.
std::optional<OperationOutcome> execute_bind_if_cheap(engine::Directory& directory, const protocol::Request& request);

// Wraps `result` in the response type that RFC 4511 pairs with `request`.
protocol::ResponseOp response_for(const protocol::RequestOp& request, protocol::LdapResult result);

}  // namespace careid::directory::server
