// Directory::add, modify and remove (RFC 4511 4.6, 4.7, 4.8).
#include <chrono>

#include "directory/engine/access_checks.h"
#include "directory/engine/attribute_description.h"
#include "directory/engine/directory.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/groups.h"
#include "directory/engine/modification.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;

std::optional<LdapResult> require_root(const Identity& identity, std::string_view operation) {
  if (identity.is_root) {
    return std::nullopt;
  }
  std::string who = identity.dn.empty() ? "anonymous" : "'" + identity.dn + "'";
  return ldap_result(ResultCode::kInsufficientAccessRights,
                     std::string(operation) + " is not allowed for " + who + "; bind as the directory administrator");
}

LdapResult no_such_object(const schema::Schema& schema, const storage::Transaction& txn, const NamedDn& name) {
  return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + name.dn.to_string() + "'",
                     matched_dn(schema, txn, name.dn));
}

// An existing entry found in a write transaction, for modify and delete.
struct WriteTarget {
  NamedDn name;
  storage::EntryId id = 0;
};

Result<WriteTarget, LdapResult> find_target(const schema::Schema& schema, const storage::WriteTransaction& txn,
                                            const NamedDn& name) {
  auto id = txn.find_id(name.normalised);
  if (!id.ok()) {
    return no_such_object(schema, txn, name);
  }
  return WriteTarget{name, *id};
}

// Names the entry that a modify or delete targets, after checking that the caller may
// write at all. Without an access policy only the root DN may write.
Result<NamedDn, LdapResult> name_write_target(const schema::Schema& schema, const DirectoryOptions& options,
                                              const Identity& identity, std::string_view operation,
                                              std::string_view dn) {
  if (options.access_policy == nullptr) {
    if (auto denied = require_root(identity, operation)) {
      return *denied;
    }
  }
  return name_dn(schema, dn);
}

bool is_within_suffix(const schema::Schema& schema, const DirectoryOptions& options, const NamedDn& name) {
  for (const std::string& suffix : options.suffixes) {
    auto named = name_dn(schema, suffix);
    if (named.ok() && name.dn.is_within(named->dn, schema.dn_normaliser())) {
      return true;
    }
  }
  return false;
}

std::string join_suffixes(const DirectoryOptions& options) {
  std::string text;
  for (const std::string& suffix : options.suffixes) {
    text += text.empty() ? suffix : ", " + suffix;
  }
  return text;
}

// The privileges one change needs (RFC 4511 4.6): add needs add, delete needs delete, and
// replace and increment need both.
access::Privileges needed_for(protocol::ModifyOperation operation) {
  switch (operation) {
    case protocol::ModifyOperation::kAdd:
      return access::kAdd;
    case protocol::ModifyOperation::kDelete:
      return access::kDelete;
    default:
      return access::kAdd | access::kDelete;
  }
}

// Checks each change against the policy on the entry as it was and as it would be, so that
// a change cannot move an entry out of or into the caller's organisations unchecked.
std::optional<LdapResult> check_modify(const AccessGuard& guard, const storage::Transaction& txn,
                                       storage::EntryId id, const NamedDn& name, const Entry& before,
                                       const Entry& after, const protocol::ModifyRequest& request) {
  const access::Target old_target = guard.target(txn, id, before, name.normalised);
  const access::Target new_target = guard.target(txn, id, after, name.normalised);
  for (const protocol::Modification& change : request.changes) {
    const std::string& attribute = change.modification.type;
    const access::Privileges needed = needed_for(change.operation);
    if (!guard.allows(old_target, attribute, needed) || !guard.allows(new_target, attribute, needed)) {
      return guard.denied("modify", request.object, attribute);
    }
  }
  return std::nullopt;
}

}  // namespace

bool is_suffix(const schema::Schema& schema, const DirectoryOptions& options, const NamedDn& name) {
  for (const std::string& suffix : options.suffixes) {
    auto named = name_dn(schema, suffix);
    if (named.ok() && named->normalised == name.normalised) {
      return true;
    }
  }
  return false;
}

LdapResult Directory::add(const protocol::AddRequest& request, const Identity& identity,
                          TargetControls* controls) {
  if (options_.access_policy == nullptr) {
    if (auto denied = require_root(identity, "add")) {
      return *denied;
    }
  }
  auto name = name_dn(*schema_, request.entry);
  if (!name.ok()) {
    return name.error();
  }
  auto entry = entry_from_request(*schema_, request);
  if (!entry.ok()) {
    return entry.error();
  }
  if (auto invalid = check_entry(*schema_, *entry, name->dn)) {
    return *invalid;
  }
  stamp_operational(*schema_, *entry, identity.dn, true, std::chrono::system_clock::now());

  const ControlledTarget controlled{controls, &identity, "", name->normalised, request.entry};
  return run_write([&](storage::WriteTransaction& txn) -> LdapResult {
    storage::EntryId parent = storage::kNoParent;
    if (!is_suffix(*schema_, options_, *name)) {
      auto parent_name = name_dn(*schema_, name->dn.parent().to_string());
      auto parent_id = parent_name.ok() ? txn.find_id(parent_name->normalised) : Result<storage::EntryId>(Status::not_found(""));
      if (!parent_id.ok() && !is_within_suffix(*schema_, options_, *name)) {
        return ldap_result(ResultCode::kNoSuchObject, "'" + request.entry + "' is outside the naming contexts (" +
                                                          join_suffixes(options_) + ") this server holds");
      }
      if (!parent_id.ok()) {
        return ldap_result(ResultCode::kNoSuchObject,
                           "the parent of '" + request.entry + "' does not exist; add it first",
                           matched_dn(*schema_, txn, name->dn));
      }
      parent = *parent_id;
    }
    if (options_.access_policy != nullptr) {
      const AccessGuard guard(*schema_, options_.access_policy.get(), identity, txn);
      const access::Target target = guard.target(txn, std::nullopt, *entry, name->normalised);
      if (!guard.allows(target, access::kEntryAttribute, access::kAdd)) {
        return guard.denied("add", request.entry);
      }
      for (const auto& attribute : request.attributes) {
        if (!guard.allows(target, attribute.type, access::kAdd)) {
          return guard.denied("add", request.entry, attribute.type);
        }
      }
    }

    auto added = txn.add(name->normalised, parent, *entry, index_keys(*schema_, *store_, *entry));
    if (!added.ok()) {
      if (added.status().code() == StatusCode::kAlreadyExists) {
        return ldap_result(ResultCode::kEntryAlreadyExists, "an entry named '" + request.entry + "' already exists");
      }
      return storage_failure(added.status());
    }
    Status members = update_member_of(*schema_, *store_, txn, entry->dn, nullptr, &*entry);
    return members.ok() ? ldap_result(ResultCode::kSuccess) : storage_failure(members);
  }, controlled);
}

LdapResult Directory::modify(const protocol::ModifyRequest& request, const Identity& identity,
                             TargetControls* controls) {
  auto named = name_write_target(*schema_, options_, identity, "modify", request.object);
  if (!named.ok()) {
    return named.error();
  }

  const ControlledTarget controlled{controls, &identity, named->normalised, named->normalised, request.object};
  return run_write([&](storage::WriteTransaction& txn) -> LdapResult {
    auto target = find_target(*schema_, txn, *named);
    if (!target.ok()) {
      return target.error();
    }
    const auto& [name, id] = *target;
    auto entry = txn.get(id);
    if (!entry.ok()) {
      return storage_failure(entry.status());
    }
    const Entry before = *entry;

    for (const protocol::Modification& change : request.changes) {
      if (auto failed = apply_modification(*schema_, change, *entry)) {
        return *failed;
      }
    }
    if (!has_rdn_values(*schema_, *entry, name.dn)) {
      return ldap_result(ResultCode::kNotAllowedOnRdn,  // RFC 4511 4.6
                         "the change removes a value of the entry's RDN; rename the entry instead");
    }
    if (options_.access_policy != nullptr) {
      const AccessGuard guard(*schema_, options_.access_policy.get(), identity, txn);
      if (auto denied = check_modify(guard, txn, id, name, before, *entry, request)) {
        return *denied;
      }
    }
    if (auto invalid = check_entry(*schema_, *entry, name.dn)) {
      return *invalid;
    }
    stamp_operational(*schema_, *entry, identity.dn, false, std::chrono::system_clock::now());

    Status replaced = txn.replace(id, *entry, index_keys(*schema_, *store_, *entry));
    if (replaced.ok()) {
      replaced = update_member_of(*schema_, *store_, txn, entry->dn, &before, &*entry);
    }
    return replaced.ok() ? ldap_result(ResultCode::kSuccess) : storage_failure(replaced);
  }, controlled);
}

LdapResult Directory::remove(const protocol::DelRequest& request, const Identity& identity,
                             TargetControls* controls) {
  auto named = name_write_target(*schema_, options_, identity, "delete", request.entry);
  if (!named.ok()) {
    return named.error();
  }

  const ControlledTarget controlled{controls, &identity, named->normalised, "", request.entry};
  return run_write([&](storage::WriteTransaction& txn) -> LdapResult {
    auto target = find_target(*schema_, txn, *named);
    if (!target.ok()) {
      return target.error();
    }
    const auto& [name, id] = *target;
    auto has_children = txn.has_children(id);
    if (has_children.ok() && *has_children) {
      return ldap_result(ResultCode::kNotAllowedOnNonLeaf,
                         "'" + request.entry + "' has subordinate entries; delete them first");
    }

    auto old_entry = txn.get(id);
    if (!old_entry.ok()) {
      return storage_failure(old_entry.status());
    }
    if (options_.access_policy != nullptr) {
      const AccessGuard guard(*schema_, options_.access_policy.get(), identity, txn);
      if (!guard.allows(guard.target(txn, id, *old_entry, name.normalised), access::kEntryAttribute, access::kDelete)) {
        return guard.denied("delete", request.entry);
      }
    }
    Status removed = txn.remove(id);
    if (removed.ok()) {
      removed = update_member_of(*schema_, *store_, txn, old_entry->dn, &*old_entry, nullptr);
    }
    if (removed.ok()) {
      removed = remove_member_references(*schema_, *store_, txn, name);
    }
    return removed.ok() ? ldap_result(ResultCode::kSuccess) : storage_failure(removed);
  }, controlled);
}

LdapResult Directory::run_write(const std::function<LdapResult(storage::WriteTransaction&)>& operation) {
  return run_write(operation, ControlledTarget{});
}

LdapResult Directory::run_write(const std::function<LdapResult(storage::WriteTransaction&)>& operation,
                                const ControlledTarget& target) {
  std::optional<LdapResult> result;
  Status written = writes_->run([&](storage::WriteTransaction& txn) {
    if (target.controls != nullptr) {
      result = apply_controls_before(txn, target);
    }
    if (!result.has_value()) {
      result = operation(txn);
    }
    if (target.controls != nullptr && result->result_code == ResultCode::kSuccess) {
      apply_controls_after(txn, target);
    }
    if (result->result_code != ResultCode::kSuccess) {
      return Status::failed_precondition("the operation failed with result code " +
                                         std::to_string(static_cast<int>(result->result_code)));
    }
    return Status::ok_status();
  });

  // The operation did not run (the group could not start a transaction, or the directory
  // is closing), or it succeeded but its group's commit failed.
  if (!result.has_value() || (result->result_code == ResultCode::kSuccess && !written.ok())) {
    return storage_failure(written);
  }
  return *result;
}

}  // namespace careid::directory::engine
