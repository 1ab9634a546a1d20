// The write-side controls that the engine implements on top of modify and delete: subtree
// delete (1.2.840.113556.1.4.805) and permissive modify (1.2.840.113556.1.4.1413).
#include <algorithm>

#include "directory/engine/directory.h"
#include "directory/engine/naming.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;
using protocol::ModifyOperation;

bool contains_value(const schema::Schema& schema, const schema::AttributeType& type, const Attribute* attribute,
                    std::string_view value) {
  if (attribute == nullptr) {
    return false;
  }
  return std::any_of(attribute->values.begin(), attribute->values.end(), [&](const std::string& stored) {
    auto equal = schema::values_equal(schema, type, stored, value);
    return equal.ok() && *equal;
  });
}

}  // namespace

LdapResult Directory::remove_subtree(const protocol::DelRequest& request, const Identity& identity,
                                     TargetControls* controls) {
  if (!identity.is_root && options_.access_policy == nullptr) {
    return remove(request, identity, controls);  // remove() returns the access error
  }
  if (controls != nullptr) {
    if (auto failed = apply_controls_to_subtree_root(request, identity, *controls)) {
      return *failed;
    }
  }

  auto entries = find(request.entry, false, "(objectClass=*)");
  if (!entries.ok()) {
    auto exists = read_entry(request.entry);
    if (exists.ok() && !exists->has_value()) {
      return remove(request, identity);  // noSuchObject with its matchedDN
    }
    return ldap_result(ResultCode::kOperationsError, entries.status().message());
  }

  // Deepest first, so every entry is a leaf when its turn comes. The search order is not
  // enough: an index may list entries by id, and a moved parent can be newer than its children.
  std::vector<std::pair<std::size_t, std::string>> by_depth;
  for (const Entry& entry : *entries) {
    auto parsed = dn::Dn::parse(entry.dn);
    by_depth.emplace_back(parsed.ok() ? parsed->depth() : 0, entry.dn);
  }
  std::stable_sort(by_depth.begin(), by_depth.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [depth, dn] : by_depth) {
    LdapResult removed = remove(protocol::DelRequest{dn}, identity);
    if (removed.result_code != ResultCode::kSuccess) {
      removed.diagnostic_message = "deleting '" + dn + "' failed: " + removed.diagnostic_message;
      return removed;
    }
  }
  return ldap_result(ResultCode::kSuccess);
}

std::optional<LdapResult> Directory::apply_controls_to_subtree_root(const protocol::DelRequest& request,
                                                                   const Identity& identity,
                                                                   TargetControls& controls) const {
  auto named = name_dn(*schema_, request.entry);
  if (!named.ok()) {
    return std::nullopt;  // remove() reports the invalid DN
  }
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return storage_failure(txn.status());
  }
  return apply_controls_before(*txn, ControlledTarget{&controls, &identity, named->normalised, "", request.entry});
}

protocol::ModifyRequest Directory::make_permissive(const protocol::ModifyRequest& request) const {
  auto entry = read_entry(request.object);
  if (!entry.ok() || !entry->has_value()) {
    return request;
  }
  protocol::ModifyRequest permissive{request.object, {}};
  for (const protocol::Modification& change : request.changes) {
    const std::string& description = change.modification.type;
    const schema::AttributeType* type =
        schema_->find_attribute_type(std::string_view(description).substr(0, description.find(';')));
    const bool is_add = change.operation == ModifyOperation::kAdd;
    const bool is_delete = change.operation == ModifyOperation::kDelete;
    if (type == nullptr || (!is_add && !is_delete)) {
      permissive.changes.push_back(change);  // errors other than the two ignored ones stay
      continue;
    }

    const Attribute* current = (*entry)->find(type->name());
    protocol::Modification kept{change.operation, {description, {}}};
    for (const std::string& value : change.modification.values) {
      // Add keeps new values only; delete keeps present values only.
      if (contains_value(*schema_, *type, current, value) != is_add) {
        kept.modification.values.push_back(value);
      }
    }
    const bool delete_whole = is_delete && change.modification.values.empty();
    if (delete_whole ? current != nullptr : !kept.modification.values.empty()) {
      permissive.changes.push_back(std::move(kept));
    }
  }
  return permissive;
}

}  // namespace careid::directory::engine
