// Audit events and the Sink that components report them to.
//
// A component whose actions an auditor reviews (binds, directory changes, logins,
// assertions and tokens issued, card events) receives an audit::Sink& at
// construction and calls record() at the spot. careidd passes the AuditLog opened from the
// [audit] section of the configuration; unit tests pass null_sink().
//
// What goes into an Event: names and identifiers, never a password, password hash, private
// key, session cookie, authorization code or token. An attribute value may go in
// `details` only when it is not a secret (for example the attribute values released in a
// SAML assertion, but never userPassword).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace careid::audit {

// Outcome values used by every hook.
inline constexpr const char* kSuccess = "success";
inline constexpr const char* kFailure = "failure";

// The actor of an event with no authenticated identity.
inline constexpr const char* kAnonymous = "anonymous";

struct Event {
  // Dotted name, component first: "ldap.bind", "ldap.modify", "saml.assertion", ...
  // audit/README.md lists every type.
  std::string type;
  // Who acted: an LDAP bind DN, a 12-digit uid, an OAuth client_id, or kAnonymous.
  std::string actor = kAnonymous;
  // The target of the event: the entry DN, the card holder's uid, the token's subject.
  std::string subject;
  // kSuccess, kFailure, or a more specific word such as "denied".
  std::string outcome = kSuccess;
  // The peer's address ("127.0.0.1:50522") or "local" for a command-line tool.
  std::string client;
  // Event-specific fields: an object, never a secret.
  nlohmann::json details = nlohmann::json::object();
};

// Receives audit events. record() may be called from any thread at once. It returns once
// the event is queued, and it may block while the sink's queue is full (AuditLog does).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void record(Event event) = 0;
};

// Returns the value of "peer=" in a log context such as "peer=127.0.0.1:50522 conn=7",
// or `context` itself when it has none.
std::string peer_address(std::string_view context);

// A Sink that drops every event, for unit tests and tools that keep no audit trail. The
// returned object lives for the whole program.
Sink& null_sink();

// A card lifecycle event for record_card_event. `action` is "issue", "renew", "suspend",
// "resume", "revoke" or "unlock".
struct CardEvent {
  std::string action;
  std::string actor;   // the operator: an admin DN, a uid, or "careidctl"
  std::string uid;     // the card holder's 12-digit uid
  std::string serial;  // the certificate serial number in hex; empty when none was issued
  std::string reason{};  // revocation reason (RFC 5280 5.3.1 name, e.g. "keyCompromise"), or empty
  std::string outcome = kSuccess;
  std::string client = "local";
};

// Records `event` as type "card.<action>" with the serial and reason in `details`.
void record_card_event(Sink& sink, const CardEvent& event);

}  // namespace careid::audit
