#include "directory/engine/groups.h"

#include <algorithm>
#include <array>
#include <map>

#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

struct GroupKind {
  std::string_view object_class;
  std::string_view member_attribute;
};

constexpr std::array<GroupKind, 2> kGroupKinds{{
    {"groupOfNames", "member"},
    {"groupOfUniqueNames", "uniqueMember"},
}};

constexpr std::string_view kMemberOf = "memberOf";

bool has_object_class(const schema::Schema& schema, const Entry& entry, std::string_view name) {
  const schema::ObjectClass* expected = schema.find_object_class(name);
  const Attribute* classes = entry.find("objectClass");
  if (expected == nullptr || classes == nullptr) {
    return false;
  }
  return std::any_of(classes->values.begin(), classes->values.end(),
                     [&](const std::string& value) { return schema.find_object_class(value) == expected; });
}

// A uniqueMember value is a DN with an optional "#'0101'B" unique identifier (RFC 4517
// 3.3.21), and the DN part names the member.
std::string_view strip_unique_id(std::string_view value) {
  std::size_t hash = value.rfind("#'");
  if (hash == std::string_view::npos || value.size() < hash + 3 || value.substr(value.size() - 2) != "'B") {
    return value;
  }
  return value.substr(0, hash);
}

// Normalised DN of a member value, or "" when it is not a valid DN.
std::string member_key(const schema::Schema& schema, std::string_view value) {
  auto name = name_dn(schema, strip_unique_id(value));
  return name.ok() ? name->normalised : std::string();
}

// The members of `entry` by normalised DN, with the DN text as stored; empty for a
// non-group or null entry.
std::map<std::string, std::string> members_of(const schema::Schema& schema, const Entry* entry) {
  std::map<std::string, std::string> members;
  if (entry == nullptr) {
    return members;
  }
  for (const GroupKind& kind : kGroupKinds) {
    const Attribute* attribute = entry->find(kind.member_attribute);
    if (attribute == nullptr || !has_object_class(schema, *entry, kind.object_class)) {
      continue;
    }
    for (const std::string& value : attribute->values) {
      std::string key = member_key(schema, value);
      if (!key.empty()) {
        members.emplace(std::move(key), std::string(strip_unique_id(value)));
      }
    }
  }
  return members;
}

// Adds `group_dn` to, or removes it from, memberOf of the entry named `member_dn`.
Status edit_member_of(const schema::Schema& schema, const storage::EntryStore& store,
                      storage::WriteTransaction& txn, std::string_view member_dn,
                      std::string_view group_dn, bool add) {
  auto name = name_dn(schema, member_dn);
  if (!name.ok()) {
    return Status::ok_status();
  }
  auto id = txn.find_id(name->normalised);
  if (!id.ok()) {
    return id.status().code() == StatusCode::kNotFound ? Status::ok_status() : id.status();
  }
  auto entry = txn.get(*id);
  if (!entry.ok()) {
    return entry.status();
  }

  const std::string group_key = member_key(schema, group_dn);
  Attribute* member_of = entry->find(kMemberOf);
  bool present = member_of != nullptr &&
                 std::any_of(member_of->values.begin(), member_of->values.end(),
                             [&](const std::string& value) { return member_key(schema, value) == group_key; });
  if (add == present) {
    return Status::ok_status();
  }

  if (add) {
    entry->add_value(kMemberOf, std::string(group_dn));
  } else {
    std::erase_if(member_of->values, [&](const std::string& value) { return member_key(schema, value) == group_key; });
    std::erase_if(entry->attributes, [](const Attribute& a) { return a.values.empty(); });
  }
  return txn.replace(*id, *entry, index_keys(schema, store, *entry));
}

// Ids of the entries of class `kind.object_class`: from the objectClass equality index when
// there is one, otherwise by walking the whole store.
Result<std::vector<storage::EntryId>> group_ids(const schema::Schema& schema, const storage::EntryStore& store,
                                                const storage::Transaction& txn, const GroupKind& kind) {
  const schema::AttributeType* object_class = schema.find_attribute_type("objectClass");
  const unsigned equality_kinds = storage::kIndexEquality | storage::kIndexOrdering;
  if (object_class != nullptr && (store.index_kinds(object_class->name()) & equality_kinds) != 0) {
    auto key = schema::equality_key(schema, *object_class, kind.object_class);
    if (key.ok()) {
      return txn.ids_equal(object_class->name(), *key);
    }
  }

  std::vector<storage::EntryId> ids;
  Status walked = txn.for_each_in_subtree(storage::kNoParent, [&](storage::EntryId id) {
    ids.push_back(id);
    return true;
  });
  if (!walked.ok()) {
    return walked;
  }
  return ids;
}

// Replaces (or, with an empty `new_dn`, removes) every member value naming `old_key` in
// every group. A group's last value is never removed.
Status rewrite_member_values(const schema::Schema& schema, const storage::EntryStore& store,
                             storage::WriteTransaction& txn, const std::string& old_key,
                             std::string_view new_dn) {
  for (const GroupKind& kind : kGroupKinds) {
    auto ids = group_ids(schema, store, txn, kind);
    if (!ids.ok()) {
      return ids.status();
    }
    for (storage::EntryId id : *ids) {
      auto group = txn.get(id);
      if (!group.ok()) {
        return group.status();
      }
      Attribute* members = group->find(kind.member_attribute);
      if (members == nullptr || !has_object_class(schema, *group, kind.object_class)) {
        continue;
      }

      bool changed = false;
      std::vector<std::string> remaining;
      for (std::string& value : members->values) {
        std::string_view dn = strip_unique_id(value);
        if (member_key(schema, dn) != old_key) {
          remaining.push_back(std::move(value));
          continue;
        }
        changed = true;
        if (!new_dn.empty()) {
          remaining.push_back(std::string(new_dn) + std::string(std::string_view(value).substr(dn.size())));
        }
      }
      if (!changed || remaining.empty()) {
        continue;
      }
      members->values = std::move(remaining);
      CAREID_RETURN_IF_ERROR(txn.replace(id, *group, index_keys(schema, store, *group)));
    }
  }
  return Status::ok_status();
}

}  // namespace

bool is_group(const schema::Schema& schema, const Entry& entry) {
  return std::any_of(kGroupKinds.begin(), kGroupKinds.end(),
                     [&](const GroupKind& kind) { return has_object_class(schema, entry, kind.object_class); });
}

Status update_member_of(const schema::Schema& schema, const storage::EntryStore& store,
                        storage::WriteTransaction& txn, std::string_view group_dn,
                        const Entry* before, const Entry* after) {
  if (schema.find_attribute_type(kMemberOf) == nullptr) {
    return Status::ok_status();
  }
  const std::map<std::string, std::string> old_members = members_of(schema, before);
  const std::map<std::string, std::string> new_members = members_of(schema, after);

  for (const auto& [key, dn] : old_members) {
    if (!new_members.contains(key)) {
      CAREID_RETURN_IF_ERROR(edit_member_of(schema, store, txn, dn, group_dn, false));
    }
  }
  for (const auto& [key, dn] : new_members) {
    if (!old_members.contains(key)) {
      CAREID_RETURN_IF_ERROR(edit_member_of(schema, store, txn, dn, group_dn, true));
    }
  }
  return Status::ok_status();
}

Status remove_member_references(const schema::Schema& schema, const storage::EntryStore& store,
                                storage::WriteTransaction& txn, const NamedDn& deleted) {
  return rewrite_member_values(schema, store, txn, deleted.normalised, {});
}

Status rename_member_references(const schema::Schema& schema, const storage::EntryStore& store,
                                storage::WriteTransaction& txn, const NamedDn& old_name,
                                std::string_view new_dn, const Entry& renamed) {
  CAREID_RETURN_IF_ERROR(rewrite_member_values(schema, store, txn, old_name.normalised, new_dn));
  if (schema.find_attribute_type(kMemberOf) == nullptr) {
    return Status::ok_status();
  }

  const std::string old_dn = old_name.dn.to_string();
  for (const auto& [key, dn] : members_of(schema, &renamed)) {
    CAREID_RETURN_IF_ERROR(edit_member_of(schema, store, txn, dn, old_dn, false));
    CAREID_RETURN_IF_ERROR(edit_member_of(schema, store, txn, dn, new_dn, true));
  }
  return Status::ok_status();
}

}  // namespace careid::directory::engine
