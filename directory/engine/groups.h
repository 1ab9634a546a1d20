// Group membership upkeep, as OpenLDAP's memberof and refint overlays do it. Every entry
// named by a group's `member` (groupOfNames) or `uniqueMember` (groupOfUniqueNames) carries
// the group's DN in its operational `memberOf` attribute. Deleting an entry removes its DN
// from every group that lists it.
//
// Every call runs inside the caller's write transaction, so the membership changes commit
// or abort with the operation that caused them. A member DN that names no entry is left as
// it is (slapd's default "memberof-dangling ignore"). Each call reads and rewrites one
// entry per affected member or group; nothing is cached between calls. Finding the groups
// that list a deleted or renamed entry uses the objectClass equality index, or walks the
// whole store when objectClass has none.
#pragma once

#include <string_view>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/engine/naming.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// Brings memberOf of the group's members in step after a write to entry `group_dn`.
// `before` is the entry before the write (null for add), `after` the entry after it (null
// for delete). Entries that are not groups before or after are ignored, so callers pass
// every written entry. Errors are storage failures; the caller aborts the transaction.
Status update_member_of(const schema::Schema& schema, const storage::EntryStore& store,
                        storage::WriteTransaction& txn, std::string_view group_dn,
                        const Entry* before, const Entry* after);

// True when `entry` is a groupOfNames or groupOfUniqueNames.
bool is_group(const schema::Schema& schema, const Entry& entry);

// Referential integrity after entry `deleted` is removed: takes its DN out of `member` and
// `uniqueMember` of every group. When the DN is a group's last value, the value stays,
// because groupOfNames and groupOfUniqueNames require one; slapd's refint overlay without
// `refint_nothing` leaves it too.
Status remove_member_references(const schema::Schema& schema, const storage::EntryStore& store,
                                storage::WriteTransaction& txn, const NamedDn& deleted);

// Referential integrity after entry `old_name` is renamed to `new_dn` (modify DN, RFC 4511
// 4.9): replaces the old DN in `member` and `uniqueMember` of every group and, when the
// renamed entry `renamed` is a group, in `memberOf` of its members.
// TODO: entries below a renamed entry also change DN, but their references in groups are
// not rewritten yet.
Status rename_member_references(const schema::Schema& schema, const storage::EntryStore& store,
                                storage::WriteTransaction& txn, const NamedDn& old_name,
                                std::string_view new_dn, const Entry& renamed);

}  // namespace careid::directory::engine
