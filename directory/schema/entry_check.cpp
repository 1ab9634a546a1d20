#include "directory/schema/entry_check.h"

#include <algorithm>
#include <optional>
#include <set>

#include "directory/dn/dn.h"
#include "directory/schema/matching.h"
#include "directory/schema/syntax.h"

namespace careid::directory::schema {
namespace {

constexpr std::string_view kExtensibleObjectOid = "1.3.6.1.4.1.1466.101.120.111";
constexpr std::string_view kObjectClassOid = "2.5.4.0";

struct ResolvedAttribute {
  const Attribute* attribute;
  const AttributeType* type;
};

LdapError fail(ResultCode code, std::string diagnostic) {
  return LdapError{code, std::move(diagnostic), ""};
}

// RFC 4512 2.5: option = 1*keychar, keychar = ALPHA / DIGIT / HYPHEN.
bool is_valid_option(std::string_view option) {
  if (option.empty()) {
    return false;
  }
  return std::all_of(option.begin(), option.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<dn::Dn, LdapError> check_dn(const Entry& entry) {
  Result<dn::Dn> parsed = dn::Dn::parse(entry.dn);
  if (!parsed.ok()) {
    return fail(ResultCode::kInvalidDnSyntax, parsed.status().message());
  }
  if (parsed->is_root()) {
    return fail(ResultCode::kInvalidDnSyntax, "an entry cannot have the empty DN: give it a name");
  }
  return std::move(parsed).value();
}

Result<std::vector<ResolvedAttribute>, LdapError> resolve_attributes(const Schema& schema,
                                                                     const Entry& entry) {
  std::vector<ResolvedAttribute> resolved;
  for (const Attribute& attribute : entry.attributes) {
    const std::string_view type_name =
        std::string_view(attribute.description).substr(0, attribute.description.find(';'));
    const AttributeType* type = schema.find_attribute_type(type_name);
    if (type == nullptr) {
      return fail(ResultCode::kUndefinedAttributeType,
                  "attribute type '" + std::string(type_name) +
                      "' is not defined in the schema: check the spelling or remove it");
    }
    if (attribute.values.empty()) {
      return fail(ResultCode::kConstraintViolation,
                  "attribute '" + attribute.description + "' has no values: give at least one");
    }
    resolved.push_back({&attribute, type});
  }
  return resolved;
}

std::optional<LdapError> check_values(const Schema& schema, const ResolvedAttribute& resolved) {
  const Attribute& attribute = *resolved.attribute;
  const AttributeType& type = *resolved.type;
  for (const std::string& value : attribute.values) {
    Status valid = validate_value(schema, type, value);
    if (!valid.ok()) {
      return fail(ResultCode::kInvalidAttributeSyntax, "attribute '" + attribute.description +
                                                           "' value '" + value + "' is " +
                                                           valid.message() + ": correct the value");
    }
  }

  if (type.single_value() && attribute.values.size() > 1) {
    return fail(ResultCode::kConstraintViolation,
                "attribute '" + attribute.description + "' is SINGLE-VALUE but has " +
                    std::to_string(attribute.values.size()) + " values: keep only one");
  }

  // RFC 4511 4.7: an attribute must not hold two values that are equal under its
  // equality rule, e.g. "Smith" and "smith" in a caseIgnoreMatch attribute. A single
  // value needs no set, but its key must still compute.
  std::set<std::string> keys;
  for (const std::string& value : attribute.values) {
    Result<std::string> key = equality_key(schema, type, value);
    if (!key.ok()) {
      return fail(ResultCode::kInvalidAttributeSyntax,
                  "attribute '" + attribute.description + "' value '" + value +
                      "' is invalid: " + key.status().message());
    }
    if (attribute.values.size() > 1 && !keys.insert(std::move(key).value()).second) {
      return fail(ResultCode::kAttributeOrValueExists,
                  "attribute '" + attribute.description + "' has value '" + value +
                      "' twice (equal by " +
                      (type.equality ? type.equality->name() : "octet comparison") +
                      "): remove the duplicate");
    }
  }
  return std::nullopt;
}

// The listed classes plus every superclass, in the order first met.
void add_with_superclasses(const ObjectClass* oc, std::vector<const ObjectClass*>& out) {
  if (std::find(out.begin(), out.end(), oc) != out.end()) {
    return;
  }
  out.push_back(oc);
  for (const ObjectClass* superior : oc->superiors) {
    add_with_superclasses(superior, out);
  }
}

Result<std::vector<const ObjectClass*>, LdapError> find_classes(
    const Schema& schema, const std::vector<ResolvedAttribute>& attributes) {
  const auto object_class = std::find_if(attributes.begin(), attributes.end(), [](const auto& a) {
    return a.type->definition.oid == kObjectClassOid;
  });
  if (object_class == attributes.end()) {
    return fail(ResultCode::kObjectClassViolation,
                "entry has no objectClass attribute: add its structural object class");
  }

  std::vector<const ObjectClass*> classes;
  for (const std::string& name : object_class->attribute->values) {
    const ObjectClass* oc = schema.find_object_class(name);
    if (oc == nullptr) {
      return fail(ResultCode::kObjectClassViolation,
                  "objectClass value '" + name +
                      "' is not a defined object class: check the spelling or remove it");
    }
    classes.push_back(oc);
  }
  return classes;
}

// RFC 4512 2.4.2: an entry belongs to exactly one structural class, with its superclasses.
Result<const ObjectClass*, LdapError> find_structural(
    const std::vector<const ObjectClass*>& listed) {
  const ObjectClass* structural = nullptr;
  for (const ObjectClass* oc : listed) {
    if (oc->kind() != ObjectClassKind::kStructural) {
      continue;
    }
    if (structural == nullptr || oc->is_subclass_of(*structural)) {
      structural = oc;
    } else if (!structural->is_subclass_of(*oc)) {
      return fail(ResultCode::kObjectClassViolation,
                  "object classes '" + structural->name() + "' and '" + oc->name() +
                      "' are both structural but neither inherits from the other: keep one");
    }
  }
  if (structural == nullptr) {
    return fail(ResultCode::kObjectClassViolation,
                "entry has no structural object class: add one, such as the class the entry "
                "is an instance of");
  }
  return structural;
}

bool has_attribute_of(const std::vector<ResolvedAttribute>& attributes, const AttributeType& type) {
  return std::any_of(attributes.begin(), attributes.end(),
                     [&](const auto& a) { return a.type->is_subtype_of(type); });
}

bool is_listed(const std::vector<const AttributeType*>& types, const AttributeType& type) {
  return std::any_of(types.begin(), types.end(),
                     [&](const AttributeType* allowed) { return type.is_subtype_of(*allowed); });
}

// RFC 4512 4.1.6: the rule's auxiliary classes, MUST and NOT. Its MAY is applied by
// check_class_rules.
std::optional<LdapError> check_content_rule(const DitContentRule& rule,
                                            const std::vector<const ObjectClass*>& listed,
                                            const std::vector<ResolvedAttribute>& attributes) {
  const std::string& structural = rule.structural->name();
  for (const ObjectClass* oc : listed) {
    if (oc->kind() == ObjectClassKind::kAuxiliary &&
        std::find(rule.auxiliaries.begin(), rule.auxiliaries.end(), oc) == rule.auxiliaries.end()) {
      return fail(ResultCode::kObjectClassViolation,
                  "auxiliary object class '" + oc->name() + "' is not allowed in '" + structural +
                      "' entries by DIT content rule " + rule.name() + ": remove it");
    }
  }
  for (const AttributeType* required : rule.must) {
    if (!has_attribute_of(attributes, *required)) {
      return fail(ResultCode::kObjectClassViolation,
                  "DIT content rule " + rule.name() + " requires attribute '" + required->name() +
                      "' in '" + structural + "' entries: add a value for it");
    }
  }
  for (const ResolvedAttribute& attribute : attributes) {
    if (is_listed(rule.precluded, *attribute.type)) {
      return fail(ResultCode::kObjectClassViolation,
                  "attribute '" + attribute.attribute->description + "' is not allowed in '" + structural +
                      "' entries by DIT content rule " + rule.name() + ": remove it");
    }
  }
  return std::nullopt;
}

std::optional<LdapError> check_class_rules(const std::vector<const ObjectClass*>& classes,
                                           const DitContentRule* rule,
                                           const std::vector<ResolvedAttribute>& attributes) {
  for (const ObjectClass* oc : classes) {
    for (const AttributeType* required : oc->must) {
      if (!has_attribute_of(attributes, *required)) {
        return fail(ResultCode::kObjectClassViolation,
                    "object class '" + oc->name() + "' requires attribute '" + required->name() +
                        "': add a value for it");
      }
    }
  }

  const bool extensible = std::any_of(classes.begin(), classes.end(), [](const ObjectClass* oc) {
    return oc->definition.oid == kExtensibleObjectOid;
  });
  if (extensible) {
    return std::nullopt;
  }
  for (const ResolvedAttribute& attribute : attributes) {
    if (attribute.type->is_operational()) {
      continue;
    }
    const bool allowed = std::any_of(classes.begin(), classes.end(), [&](const ObjectClass* oc) {
      return is_listed(oc->must, *attribute.type) || is_listed(oc->may, *attribute.type);
    });
    const bool allowed_by_rule =
        rule != nullptr && (is_listed(rule->must, *attribute.type) || is_listed(rule->may, *attribute.type));
    if (!allowed && !allowed_by_rule) {
      return fail(ResultCode::kObjectClassViolation,
                  "attribute '" + attribute.attribute->description +
                      "' is not allowed by the entry's object classes: remove it or add an "
                      "object class that allows it");
    }
  }
  return std::nullopt;
}

// RFC 4512 2.3.1: the values in the RDN are values of the entry.
std::optional<LdapError> check_rdn(const Schema& schema, const dn::Dn& name,
                                   const std::vector<ResolvedAttribute>& attributes) {
  for (const dn::Ava& ava : name.rdn().avas) {
    const AttributeType* type = schema.find_attribute_type(ava.type);
    if (type == nullptr) {
      return fail(ResultCode::kNamingViolation,
                  "RDN attribute type '" + ava.type + "' is not defined in the schema");
    }
    Result<std::string> wanted = equality_key(schema, *type, ava.value);
    bool present = false;
    for (const ResolvedAttribute& attribute : attributes) {
      if (attribute.type != type || !wanted.ok()) {
        continue;
      }
      for (const std::string& value : attribute.attribute->values) {
        Result<std::string> key = equality_key(schema, *type, value);
        present = present || (key.ok() && *key == *wanted);
      }
    }
    if (!present) {
      return fail(ResultCode::kNamingViolation,
                  "RDN value " + ava.type + "=" + ava.value + " is not a value of attribute '" +
                      type->name() + "' in the entry: add that value or rename the entry");
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string, LdapError> canonical_description(const Schema& schema,
                                                     std::string_view description) {
  const std::size_t semicolon = description.find(';');
  const std::string_view type_name = description.substr(0, semicolon);
  const AttributeType* type = schema.find_attribute_type(type_name);
  if (type == nullptr) {
    return fail(ResultCode::kUndefinedAttributeType,
                "attribute type '" + std::string(type_name) +
                    "' is not defined in the schema: check the spelling");
  }

  std::string out = type->name();
  std::string_view rest =
      semicolon == std::string_view::npos ? std::string_view() : description.substr(semicolon);
  while (!rest.empty()) {
    rest.remove_prefix(1);
    const std::string_view option = rest.substr(0, rest.find(';'));
    if (!is_valid_option(option)) {
      return fail(ResultCode::kInvalidAttributeSyntax,
                  "attribute description '" + std::string(description) +
                      "' has an empty or malformed option: options use letters, digits and '-'");
    }
    out += ";";
    out += option;
    rest.remove_prefix(option.size());
  }
  return out;
}

Result<Entry, LdapError> canonicalise_entry(const Schema& schema, Entry entry) {
  Entry out;
  out.dn = std::move(entry.dn);
  for (Attribute& attribute : entry.attributes) {
    Result<std::string, LdapError> description =
        canonical_description(schema, attribute.description);
    if (!description.ok()) {
      return description.error();
    }
    Attribute* existing = out.find(*description);
    if (existing == nullptr) {
      out.attributes.push_back({std::move(description).value(), std::move(attribute.values)});
      continue;
    }
    for (std::string& value : attribute.values) {
      existing->values.push_back(std::move(value));
    }
  }
  return out;
}

Result<const ObjectClass*, LdapError> check_entry(const Schema& schema, const Entry& entry) {
  Result<dn::Dn, LdapError> name = check_dn(entry);
  if (!name.ok()) {
    return name.error();
  }
  Result<std::vector<ResolvedAttribute>, LdapError> attributes = resolve_attributes(schema, entry);
  if (!attributes.ok()) {
    return attributes.error();
  }
  for (const ResolvedAttribute& attribute : *attributes) {
    if (std::optional<LdapError> error = check_values(schema, attribute)) {
      return *error;
    }
  }

  Result<std::vector<const ObjectClass*>, LdapError> listed = find_classes(schema, *attributes);
  if (!listed.ok()) {
    return listed.error();
  }
  Result<const ObjectClass*, LdapError> structural = find_structural(*listed);
  if (!structural.ok()) {
    return structural.error();
  }
  std::vector<const ObjectClass*> classes;
  for (const ObjectClass* oc : *listed) {
    add_with_superclasses(oc, classes);
  }
  const DitContentRule* rule = schema.find_content_rule(**structural);
  if (rule != nullptr) {
    if (std::optional<LdapError> error = check_content_rule(*rule, *listed, *attributes)) {
      return *error;
    }
  }
  if (std::optional<LdapError> error = check_class_rules(classes, rule, *attributes)) {
    return *error;
  }

  if (std::optional<LdapError> error = check_rdn(schema, *name, *attributes)) {
    return *error;
  }
  return structural;
}

}  // namespace careid::directory::schema
