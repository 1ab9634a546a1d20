// Password policy for simple binds: lockout after repeated failures, stored in the entry so
// that it survives restarts, in the operational attributes that the password policy
// Internet-Draft (draft-behera-ldap-password-policy) names and schemas/ppolicy.schema defines.
//
//   pwdFailureTime        one GeneralizedTime value per failed bind within the window
//   pwdAccountLockedTime  when the entry was locked; binds fail until lockout_seconds later
//
// A locked entry gets invalidCredentials with a diagnostic naming the end of the lock, even
// for the right password. Failures before the lockout get the usual message with no hint. The root DN unlocks an entry by deleting pwdAccountLockedTime (modify). A
// successful bind clears pwdFailureTime.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "directory/engine/directory.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// Returns the end of the lock when `entry` is locked at `now`.
std::optional<std::chrono::system_clock::time_point> locked_until(const Entry& entry, const DirectoryOptions& options,
                                                                  std::chrono::system_clock::time_point now);

// Records a failed bind on the entry named `normalised_dn` in its own write transaction and
// locks it when this failure reaches options.lockout_failures within the window. Returns
// the end of the lock when this failure locked the entry. Storage errors are logged.
std::optional<std::chrono::system_clock::time_point> record_bind_failure(
    const schema::Schema& schema, storage::EntryStore& store, const DirectoryOptions& options,
    std::string_view normalised_dn, std::chrono::system_clock::time_point now);

// Returns true when `entry` has recorded failures or a lock time, so that
// clear_bind_failures() would write.
bool has_bind_failures(const Entry& entry);

// Removes pwdFailureTime and an expired pwdAccountLockedTime after a successful bind.
void clear_bind_failures(const schema::Schema& schema, storage::EntryStore& store, const Entry& entry,
                         std::string_view normalised_dn);

// Formats `time` as GeneralizedTime in UTC, e.g. 20261204201500Z (RFC 4517 3.3.13).
std::string generalized_time_utc(std::chrono::system_clock::time_point time);

}  // namespace careid::directory::engine
