#include "directory/engine/modification.h"

#include <algorithm>
#include <charconv>

#include "directory/engine/attribute_description.h"
#include "directory/engine/naming.h"
#include "directory/schema/entry_check.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;
using protocol::ModifyOperation;

// Index of the first value of `values` equal to `value` under the type's equality rule.
std::optional<std::size_t> find_value(const schema::Schema& schema, const schema::AttributeType& type,
                                      const std::vector<std::string>& values, std::string_view value) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto equal = schema::values_equal(schema, type, values[i], value);
    if (equal.ok() && *equal) {
      return i;
    }
  }
  return std::nullopt;
}

void erase_attribute(Entry& entry, std::string_view description) {
  std::erase_if(entry.attributes, [&](const Attribute& a) { return equals_ignore_case(a.description, description); });
}

std::optional<LdapResult> add_values(const schema::Schema& schema, const schema::AttributeType& type,
                                     const std::string& description, const std::vector<std::string>& values,
                                     Entry& entry) {
  for (const std::string& value : values) {
    Attribute* attribute = entry.find(description);
    if (attribute != nullptr && find_value(schema, type, attribute->values, value).has_value()) {
      return ldap_result(ResultCode::kAttributeOrValueExists,
                         "attribute '" + description + "' already has the value '" + value + "'");
    }
    entry.add_value(description, value);
  }
  return std::nullopt;
}

std::optional<LdapResult> delete_values(const schema::Schema& schema, const schema::AttributeType& type,
                                        const std::string& description, const std::vector<std::string>& values,
                                        Entry& entry) {
  Attribute* attribute = entry.find(description);
  if (attribute == nullptr) {
    return ldap_result(ResultCode::kNoSuchAttribute, "the entry has no attribute '" + description + "'");
  }
  for (const std::string& value : values) {
    auto index = find_value(schema, type, attribute->values, value);
    if (!index.has_value()) {
      return ldap_result(ResultCode::kNoSuchAttribute,
                         "attribute '" + description + "' has no value '" + value + "'");
    }
    attribute->values.erase(attribute->values.begin() + static_cast<std::ptrdiff_t>(*index));
  }
  if (values.empty() || attribute->values.empty()) {
    erase_attribute(entry, description);
  }
  return std::nullopt;
}

std::optional<LdapResult> increment(const std::string& description, const std::vector<std::string>& values,
                                    Entry& entry) {
  Attribute* attribute = entry.find(description);
  if (attribute == nullptr) {
    return ldap_result(ResultCode::kNoSuchAttribute, "cannot increment missing attribute '" + description + "'");
  }
  long long delta = 0;
  if (values.size() != 1 ||
      std::from_chars(values[0].data(), values[0].data() + values[0].size(), delta).ec != std::errc()) {
    return ldap_result(ResultCode::kInvalidAttributeSyntax, "increment of '" + description + "' needs one integer value");
  }
  for (std::string& value : attribute->values) {
    long long current = 0;
    if (std::from_chars(value.data(), value.data() + value.size(), current).ec != std::errc()) {
      return ldap_result(ResultCode::kConstraintViolation, "attribute '" + description + "' is not an integer");
    }
    value = std::to_string(current + delta);
  }
  return std::nullopt;
}

}  // namespace

std::optional<LdapResult> apply_modification(const schema::Schema& schema, const protocol::Modification& change,
                                             Entry& entry) {
  const protocol::PartialAttribute& target = change.modification;
  auto description = schema::canonical_description(schema, target.type);
  if (!description.ok()) {
    return ldap_result(ResultCode::kUndefinedAttributeType,
                       "attribute type '" + target.type + "' is not defined in the schema");
  }
  auto parsed = parse_description(schema, *description);
  const schema::AttributeType& type = *parsed->type;
  if (type.no_user_modification()) {
    return ldap_result(ResultCode::kConstraintViolation,
                       "attribute '" + type.name() + "' is maintained by the server and cannot be modified");
  }

  switch (change.operation) {
    case ModifyOperation::kAdd:
      return add_values(schema, type, *description, target.values, entry);
    case ModifyOperation::kDelete:
      return delete_values(schema, type, *description, target.values, entry);
    case ModifyOperation::kReplace:
      erase_attribute(entry, *description);
      for (const std::string& value : target.values) {
        entry.add_value(*description, value);
      }
      return std::nullopt;
    case ModifyOperation::kIncrement:
      return increment(*description, target.values, entry);
  }
  return ldap_result(ResultCode::kProtocolError, "unknown modify operation");
}

}  // namespace careid::directory::engine
