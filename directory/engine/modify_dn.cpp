// Directory::modify_dn (RFC 4511 4.9): rename an entry, move it with its whole subtree
// under a new superior, or both, in one write transaction.
#include <algorithm>
#include <chrono>

#include "directory/engine/access_checks.h"

#include "directory/engine/directory.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/groups.h"
#include "directory/engine/naming.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;

// The parsed newrdn: exactly one RDN whose attribute types the schema defines, each with
// an equality rule and open to users (RFC 4512 2.3 naming attributes).
Result<dn::Rdn, LdapResult> parse_new_rdn(const schema::Schema& schema, std::string_view text) {
  auto parsed = dn::Dn::parse(text);
  if (!parsed.ok() || parsed->depth() != 1) {
    return ldap_result(ResultCode::kInvalidDnSyntax, "newrdn '" + std::string(text) + "' is not a single RDN");
  }
  for (const dn::Ava& ava : parsed->rdn().avas) {
    const schema::AttributeType* type = schema.find_attribute_type(ava.type);
    if (type == nullptr) {
      return ldap_result(ResultCode::kNamingViolation,
                         "newrdn attribute '" + ava.type + "' is not defined in the schema");
    }
    if (type->equality == nullptr || type->no_user_modification() || type->is_operational()) {
      return ldap_result(ResultCode::kNamingViolation,
                         "attribute '" + type->name() + "' cannot name an entry: it is operational or has no equality rule");
    }
  }
  return parsed->rdn();
}

bool has_value(const schema::Schema& schema, const schema::AttributeType& type, const Attribute& attribute,
               std::string_view value) {
  return std::any_of(attribute.values.begin(), attribute.values.end(), [&](const std::string& stored) {
    auto equal = schema::values_equal(schema, type, stored, value);
    return equal.ok() && *equal;
  });
}

// Applies the RDN change to the entry's attributes (RFC 4511 4.9): removes the old RDN
// values when deleteoldrdn is set, then adds the new RDN values that are missing.
void apply_rdn_change(const schema::Schema& schema, Entry& entry, const dn::Rdn& old_rdn, const dn::Rdn& new_rdn,
                      bool delete_old_rdn) {
  if (delete_old_rdn) {
    for (const dn::Ava& ava : old_rdn.avas) {
      const schema::AttributeType* type = schema.find_attribute_type(ava.type);
      Attribute* attribute = type == nullptr ? nullptr : entry.find(type->name());
      if (attribute == nullptr) {
        continue;
      }
      std::erase_if(attribute->values, [&](const std::string& stored) {
        auto equal = schema::values_equal(schema, *type, stored, ava.value);
        return equal.ok() && *equal;
      });
      if (attribute->values.empty()) {
        std::erase_if(entry.attributes, [&](const Attribute& a) { return a.values.empty(); });
      }
    }
  }
  for (const dn::Ava& ava : new_rdn.avas) {
    const schema::AttributeType* type = schema.find_attribute_type(ava.type);
    const Attribute* attribute = entry.find(type->name());
    if (attribute == nullptr || !has_value(schema, *type, *attribute, ava.value)) {
      entry.add_value(type->name(), ava.value);
    }
  }
}

// True when `name` is a configured naming context or lies below one.
bool held_here(const schema::Schema& schema, const DirectoryOptions& options, const dn::Dn& name) {
  return std::any_of(options.suffixes.begin(), options.suffixes.end(), [&](const std::string& suffix) {
    auto parsed = dn::Dn::parse(suffix);
    return parsed.ok() && name.is_within(*parsed, schema.dn_normaliser());
  });
}

LdapResult rename_result(const Status& moved, const protocol::ModifyDnRequest& request) {
  if (moved.code() == StatusCode::kAlreadyExists) {
    return ldap_result(ResultCode::kEntryAlreadyExists, "the new name of '" + request.entry + "' is taken");
  }
  if (moved.code() == StatusCode::kInvalidArgument) {
    return ldap_result(ResultCode::kUnwillingToPerform, moved.message());
  }
  return moved.ok() ? ldap_result(ResultCode::kSuccess) : storage_failure(moved);
}

// Renames or moves the entry `name` in `txn` once the request has passed every check that
// needs no store access. The caller commits.
LdapResult rename_entry(const schema::Schema& schema, storage::EntryStore& store, storage::WriteTransaction& txn,
                        const protocol::ModifyDnRequest& request, const Identity& identity, const NamedDn& name,
                        const dn::Rdn& new_rdn, const NamedDn& new_name, bool new_is_suffix) {
  auto id = txn.find_id(name.normalised);
  if (!id.ok()) {
    return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + name.dn.to_string() + "'",
                       matched_dn(schema, txn, name.dn));
  }
  storage::EntryId parent = storage::kNoParent;
  if (!new_is_suffix) {
    auto parent_name = name_dn(schema, new_name.dn.parent().to_string());
    auto parent_id = parent_name.ok() ? txn.find_id(parent_name->normalised)
                                      : Result<storage::EntryId>(Status::not_found("unparsable parent"));
    if (!parent_id.ok()) {
      return ldap_result(ResultCode::kNoSuchObject,
                         "the new superior '" + new_name.dn.parent().to_string() + "' does not exist",
                         matched_dn(schema, txn, new_name.dn.parent()));
    }
    parent = *parent_id;
  }

  auto entry = txn.get(*id);
  if (!entry.ok()) {
    return storage_failure(entry.status());
  }
  apply_rdn_change(schema, *entry, name.dn.rdn(), new_rdn, request.delete_old_rdn);
  entry->dn = new_name.dn.to_string();
  if (auto invalid = check_entry(schema, *entry, new_name.dn)) {
    return *invalid;  // objectClassViolation when the classes do not allow the new RDN
  }
  stamp_operational(schema, *entry, identity.dn, false, std::chrono::system_clock::now());

  const std::size_t old_depth = name.dn.depth();
  const dn::Dn moved_dn = new_name.dn;
  auto descendant_dn = [old_depth, &moved_dn](std::string_view old_text) {
    auto parsed = dn::Dn::parse(old_text);
    if (!parsed.ok() || parsed->depth() <= old_depth) {
      return std::string(old_text);  // unreachable for a DN the store accepted
    }
    std::vector<dn::Rdn> rdns(parsed->rdns().begin(), parsed->rdns().end() - static_cast<std::ptrdiff_t>(old_depth));
    rdns.insert(rdns.end(), moved_dn.rdns().begin(), moved_dn.rdns().end());
    return dn::Dn(std::move(rdns)).to_string();
  };
  Status moved = txn.move(*id, parent, new_name.normalised, *entry, index_keys(schema, store, *entry),
                           descendant_dn);
  if (moved.ok()) {
    moved = rename_member_references(schema, store, txn, name, entry->dn, *entry);
  }
  return rename_result(moved, request);
}

// A rename deletes the entry at its old name and adds it at the new one, so it needs delete
// on the old entry and add on the entry at its new place (as OpenLDAP asks for). The new
// place is checked with the entry's current attributes; the new RDN value is not added.
std::optional<LdapResult> check_rename_access(const schema::Schema& schema, const storage::EntryStore& store,
                                              const access::Policy* policy, const Identity& identity,
                                              const NamedDn& name, const NamedDn& new_name) {
  if (policy == nullptr) {
    return std::nullopt;
  }
  auto txn = store.begin_read();
  if (!txn.ok()) {
    return storage_failure(txn.status());
  }
  auto id = txn->find_id(name.normalised);
  auto entry = id.ok() ? txn->get(*id) : Result<Entry>(id.status());
  if (!entry.ok()) {
    return std::nullopt;  // rename_entry returns noSuchObject with its matchedDN
  }
  const AccessGuard guard(schema, policy, identity, *txn);
  if (!guard.allows(guard.target(*txn, *id, *entry, name.normalised), access::kEntryAttribute, access::kDelete)) {
    return guard.denied("modify DN", name.dn.to_string());
  }
  Entry moved = *entry;
  moved.dn = new_name.dn.to_string();
  if (!guard.allows(guard.target(*txn, *id, moved, new_name.normalised), access::kEntryAttribute, access::kAdd)) {
    return guard.denied("modify DN (new name)", moved.dn);
  }
  return std::nullopt;
}

}  // namespace

LdapResult Directory::modify_dn(const protocol::ModifyDnRequest& request, const Identity& identity,
                                TargetControls* controls) {
  if (!identity.is_root && options_.access_policy == nullptr) {
    std::string who = identity.dn.empty() ? "anonymous" : "'" + identity.dn + "'";
    return ldap_result(ResultCode::kInsufficientAccessRights,
                       "modify DN is not allowed for " + who + "; bind as the directory administrator");
  }
  auto name = name_dn(*schema_, request.entry);
  if (!name.ok()) {
    return name.error();
  }
  if (name->dn.is_root()) {
    return ldap_result(ResultCode::kUnwillingToPerform, "the root DSE cannot be renamed");
  }
  auto new_rdn = parse_new_rdn(*schema_, request.new_rdn);
  if (!new_rdn.ok()) {
    return new_rdn.error();
  }

  dn::Dn new_parent = name->dn.parent();
  if (request.new_superior.has_value()) {
    auto superior = name_dn(*schema_, *request.new_superior);
    if (!superior.ok()) {
      return superior.error();
    }
    new_parent = superior->dn;
  }
  auto new_name = name_dn(*schema_, new_parent.child(*new_rdn).to_string());
  if (!new_name.ok()) {
    return new_name.error();
  }

  // RFC 4511 4.9: a move that would take the entry out of the naming contexts this server
  // contains needs another server's help, which careid does not give.
  const bool new_is_suffix = is_suffix(*schema_, options_, *new_name);
  if (!held_here(*schema_, options_, new_name->dn) ||
      (is_suffix(*schema_, options_, *name) && !new_is_suffix)) {
    return ldap_result(ResultCode::kAffectsMultipleDsas,
                       "'" + new_name->dn.to_string() + "' would leave the naming contexts held by this server");
  }
  if (auto denied = check_rename_access(*schema_, *store_, options_.access_policy.get(), identity, *name, *new_name)) {
    return *denied;
  }
  const ControlledTarget controlled{controls, &identity, name->normalised, new_name->normalised, request.entry};
  return run_write([&](storage::WriteTransaction& txn) {
    return rename_entry(*schema_, *store_, txn, request, identity, *name, *new_rdn, *new_name, new_is_suffix);
  }, controlled);
}

}  // namespace careid::directory::engine
