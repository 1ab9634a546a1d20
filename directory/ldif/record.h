// LDIF records (RFC 2849): content records, which carry an entry, and change records,
// which describe an add, delete, modify or modify-DN operation.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "directory/entry.h"

namespace careid::directory::ldif {

enum class ChangeType { kAdd, kDelete, kModify, kModDn };

// The operation of one mod-spec block: "add:", "delete:", "replace:" (RFC 2849) and
// "increment:" (RFC 4525).
enum class ModificationType { kAdd, kDelete, kReplace, kIncrement };

struct Modification {
  ModificationType type = ModificationType::kAdd;
  // The block's attribute description and values. Values may be empty for delete (all
  // values) and replace (remove the attribute).
  Attribute attribute;
};

// A "control:" line of a change record (RFC 2849, RFC 4511 4.1.11).
struct Control {
  std::string oid;
  bool critical = false;
  std::optional<std::string> value;
};

struct ChangeRecord {
  std::string dn;
  std::vector<Control> controls;
  ChangeType type = ChangeType::kAdd;
  // kAdd: the new entry's attributes.
  std::vector<Attribute> attributes;
  // kModify: the blocks in file order.
  std::vector<Modification> modifications;
  // kModDn ("changetype: modrdn" or "moddn", which RFC 2849 treats alike).
  std::string new_rdn;
  bool delete_old_rdn = false;
  std::optional<std::string> new_superior;
};

// One record: an Entry for a content record, or a ChangeRecord.
using Record = std::variant<Entry, ChangeRecord>;

}  // namespace careid::directory::ldif
