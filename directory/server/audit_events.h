// The audit events of LDAP operations (audit/event.h): binds and the write operations
// (add, modify, delete, modify DN, Password Modify). An event is described from the request
// before it runs, because the request moves to a worker, and completed from the response.
//
// What is recorded: the bind DN or the acting identity's DN, the target DN, the names of
// the attributes an add or modify touches and the LDAP resultCode. Never an attribute
// value, so no password or password hash reaches the trail.
#pragma once

#include <optional>
#include <string_view>

#include "audit/event.h"
#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"
#include "directory/server/tls_context.h"

namespace careid::directory::server {

// Describes a bind, simple or SASL, by the name in the request. `peer` is "address:port".
audit::Event describe_bind(const protocol::BindRequest& request, std::string_view peer);

// Names the card behind a SASL EXTERNAL bind in `event`, so that a failed bind (a revoked
// card, say) is recorded against the card holder and not as anonymous. The DN the
// certificate maps to becomes the actor and subject, and details gain "uid" and
// "card_serial". Changes nothing when `certificate` is null or not present, and leaves the
// actor anonymous when the subject has no single 12-digit CN.
void describe_client_certificate(audit::Event& event, const ClientCertificate* certificate,
                                 std::string_view suffix);

// Describes `request` when it is a write operation; std::nullopt for every other one.
std::optional<audit::Event> describe_update(const protocol::Request& request, const engine::Identity& actor,
                                            std::string_view peer);

// Sets the outcome ("success" or "failure") and the resultCode from `response`. A
// successful bind with an identity (SASL EXTERNAL) makes that DN the actor and subject.
void complete_event(audit::Event& event, const protocol::ResponseOp& response,
                    const engine::Identity* bound = nullptr);

}  // namespace careid::directory::server
