// Schema lookups and SchemaBuilder: registration, reference resolution and inheritance.
#include "directory/schema/schema.h"

#include <algorithm>
#include <array>
#include <set>

#include "directory/schema/matching.h"
#include "directory/schema/syntax.h"

namespace careid::directory::schema {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Names and OIDs up to this length are lower-cased on the stack, because every value of
// every entry an operation touches looks up its attribute type.
constexpr std::size_t kMaxStackKeyBytes = 64;

template <class Index, class T>
const T* find_in(const Index& index, const std::vector<std::unique_ptr<T>>& items,
                 std::string_view key) {
  typename Index::const_iterator it;
  if (key.size() <= kMaxStackKeyBytes) {
    std::array<char, kMaxStackKeyBytes> buffer;
    std::transform(key.begin(), key.end(), buffer.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    it = index.find(std::string_view(buffer.data(), key.size()));
  } else {
    it = index.find(lower(key));
  }
  return it == index.end() ? nullptr : items[it->second].get();
}

const std::string& first_name(const std::vector<std::string>& names, const std::string& oid) {
  return names.empty() ? oid : names.front();
}

Status definition_error(const std::string& source, const std::string& problem) {
  return Status::invalid_argument(source + ": " + problem);
}

// Registers the OID and every name of one definition; a key already present is a duplicate.
template <class Index, class T>
Status register_keys(Index& index,
                     const std::vector<std::unique_ptr<T>>& items, std::size_t position,
                     const std::vector<std::string>& names, std::string_view kind) {
  std::vector<std::string> keys = {items[position]->definition.oid};
  keys.insert(keys.end(), names.begin(), names.end());
  for (const std::string& key : keys) {
    auto [it, inserted] = index.emplace(lower(key), position);
    if (!inserted && it->second != position) {
      return definition_error(items[position]->source, std::string(kind) + " name or OID '" + key +
                                                           "' is already defined at " +
                                                           items[it->second]->source);
    }
  }
  return Status::ok_status();
}

}  // namespace

const std::string& MatchingRule::name() const {
  return first_name(definition.names, definition.oid);
}
const std::string& AttributeType::name() const {
  return first_name(definition.names, definition.oid);
}
const std::string& ObjectClass::name() const {
  return first_name(definition.names, definition.oid);
}
const std::string& DitContentRule::name() const {
  return first_name(definition.names, definition.oid);
}

const DitContentRule* Schema::find_content_rule(const ObjectClass& structural) const {
  for (const auto& rule : content_rules_) {
    if (rule->structural == &structural) {
      return rule.get();
    }
  }
  return nullptr;
}

bool AttributeType::is_subtype_of(const AttributeType& other) const {
  for (const AttributeType* type = this; type != nullptr; type = type->superior) {
    if (type == &other) {
      return true;
    }
  }
  return false;
}

bool ObjectClass::is_subclass_of(const ObjectClass& other) const {
  if (this == &other) {
    return true;
  }
  return std::any_of(superiors.begin(), superiors.end(),
                     [&](const ObjectClass* superior) { return superior->is_subclass_of(other); });
}

Schema::Schema() {
  dn_normaliser_.type = [this](std::string_view type) -> Result<std::string> {
    const AttributeType* found = find_attribute_type(type);
    if (found == nullptr) {
      return Status::not_found("unknown attribute type '" + std::string(type) + "' in DN");
    }
    return lower(found->name());
  };
  dn_normaliser_.value = [this](std::string_view type,
                                std::string_view value) -> Result<std::string> {
    const AttributeType* found = find_attribute_type(type);
    if (found == nullptr) {
      return Status::not_found("unknown attribute type '" + std::string(type) + "' in DN");
    }
    return equality_key(*this, *found, value);
  };
}

const AttributeType* Schema::find_attribute_type(std::string_view name_or_oid) const {
  return find_in(attribute_index_, attribute_types_, name_or_oid);
}

const ObjectClass* Schema::find_object_class(std::string_view name_or_oid) const {
  return find_in(class_index_, object_classes_, name_or_oid);
}

const MatchingRule* Schema::find_matching_rule(std::string_view name_or_oid) const {
  return find_in(rule_index_, matching_rules_, name_or_oid);
}

const Syntax* Schema::find_syntax(std::string_view oid) const {
  return find_in(syntax_index_, syntaxes_, oid);
}

namespace {

// A rule applies to a type (RFC 4512 4.1.4) when the type names it as its EQUALITY,
// ORDERING or SUBSTR rule. It also applies when the type's syntax is the rule's assertion
// syntax, because an extensible match with the rule can then read the type's values.
bool rule_applies(const MatchingRule& rule, const AttributeType& type) {
  if (type.equality == &rule || type.ordering == &rule || type.substr == &rule) {
    return true;
  }
  return type.syntax != nullptr && type.syntax == rule.syntax;
}

// "( 2.5.13.2 NAME 'caseIgnoreMatch' APPLIES ( cn $ sn ) )", or "" when no type applies.
std::string render_matching_rule_use(const MatchingRule& rule,
                                     const std::vector<std::unique_ptr<AttributeType>>& types) {
  std::vector<std::string_view> applies;
  for (const auto& type : types) {
    if (rule_applies(rule, *type)) {
      applies.push_back(type->name());
    }
  }
  if (applies.empty()) {
    return {};
  }

  std::string out = "( " + rule.definition.oid;
  if (!rule.definition.names.empty()) {
    out += " NAME '" + rule.definition.names.front() + "'";
  }
  out += " APPLIES ";
  if (applies.size() > 1) {
    out += "( ";
  }
  for (std::size_t i = 0; i < applies.size(); ++i) {
    out += i == 0 ? "" : " $ ";
    out += applies[i];
  }
  return out + (applies.size() > 1 ? " ) )" : " )");
}

}  // namespace

SubschemaValues Schema::render_subschema() const {
  SubschemaValues values;
  for (const auto& syntax : syntaxes_) {
    values.ldap_syntaxes.push_back(render(syntax->definition));
  }
  for (const auto& rule : matching_rules_) {
    values.matching_rules.push_back(render(rule->definition));
  }
  for (const auto& type : attribute_types_) {
    values.attribute_types.push_back(render(type->definition));
  }
  for (const auto& oc : object_classes_) {
    values.object_classes.push_back(render(oc->definition));
  }
  for (const auto& rule : matching_rules_) {
    std::string use = render_matching_rule_use(*rule, attribute_types_);
    if (!use.empty()) {
      values.matching_rule_uses.push_back(std::move(use));
    }
  }
  for (const auto& rule : content_rules_) {
    values.dit_content_rules.push_back(render(rule->definition));
  }
  return values;
}

void SchemaBuilder::add(SyntaxDefinition definition, std::string source) {
  syntaxes_.emplace_back(std::move(definition), std::move(source));
}
void SchemaBuilder::add(MatchingRuleDefinition definition, std::string source) {
  rules_.emplace_back(std::move(definition), std::move(source));
}
void SchemaBuilder::add(AttributeTypeDefinition definition, std::string source) {
  attributes_.emplace_back(std::move(definition), std::move(source));
}
void SchemaBuilder::add(ObjectClassDefinition definition, std::string source) {
  classes_.emplace_back(std::move(definition), std::move(source));
}
void SchemaBuilder::add(DitContentRuleDefinition definition, std::string source) {
  content_rules_.emplace_back(std::move(definition), std::move(source));
}

namespace {

// The steps of SchemaBuilder::build, each filling in one kind of definition.
class Linker {
 public:
  Linker(Schema& schema, std::vector<std::unique_ptr<MatchingRule>>& rules,
         std::vector<std::unique_ptr<AttributeType>>& types,
         std::vector<std::unique_ptr<ObjectClass>>& classes)
      : schema_(schema), rules_(rules), types_(types), classes_(classes) {}

  Status link_rules() {
    for (auto& rule : rules_) {
      rule->syntax = schema_.find_syntax(rule->definition.syntax);
      if (rule->syntax == nullptr) {
        return definition_error(
            rule->source,
            "matching rule '" + rule->name() + "' has unknown SYNTAX " + rule->definition.syntax);
      }
      rule->implementation = find_rule_implementation(rule->name());
    }
    return Status::ok_status();
  }

  Status link_attribute_types() {
    for (auto& type : types_) {
      const std::string& sup = type->definition.superior;
      if (sup.empty()) {
        continue;
      }
      type->superior = schema_.find_attribute_type(sup);
      if (type->superior == nullptr) {
        return definition_error(
            type->source, "attribute type '" + type->name() + "' has unknown SUP '" + sup + "'");
      }
    }
    for (auto& type : types_) {
      CAREID_RETURN_IF_ERROR(check_no_cycle(*type));
    }
    for (auto& type : types_) {
      CAREID_RETURN_IF_ERROR(inherit(*type));
    }
    return Status::ok_status();
  }

  Status link_object_classes() {
    for (auto& oc : classes_) {
      for (const std::string& sup : oc->definition.superiors) {
        const ObjectClass* superior = schema_.find_object_class(sup);
        if (superior == nullptr) {
          return definition_error(
              oc->source, "object class '" + oc->name() + "' has unknown SUP '" + sup + "'");
        }
        oc->superiors.push_back(superior);
      }
    }
    for (auto& oc : classes_) {
      std::set<const ObjectClass*> visiting;
      CAREID_RETURN_IF_ERROR(collect_attributes(*oc, *oc, visiting));
    }
    return Status::ok_status();
  }

 private:
  Status check_no_cycle(const AttributeType& type) {
    std::size_t steps = 0;
    for (const AttributeType* t = type.superior; t != nullptr; t = t->superior) {
      if (t == &type || ++steps > types_.size()) {
        return definition_error(
            type.source, "attribute type '" + type.name() + "' is its own superior through SUP");
      }
    }
    return Status::ok_status();
  }

  Status resolve_rule(const AttributeType& type, const std::string& name, const char* keyword,
                      const MatchingRule*& out) {
    if (name.empty()) {
      return Status::ok_status();
    }
    out = schema_.find_matching_rule(name);
    if (out == nullptr) {
      return definition_error(type.source, "attribute type '" + type.name() + "' has unknown " +
                                               keyword + " rule '" + name + "'");
    }
    return Status::ok_status();
  }

  // RFC 4512 4.1.2: a subtype takes every matching rule and the syntax it does not state
  // from its supertype. Superiors are resolved first, whatever the load order.
  Status inherit(AttributeType& type) {
    if (type.syntax != nullptr) {
      return Status::ok_status();
    }
    if (type.superior != nullptr) {
      // The Linker owns every type while building, so the const pointer that the index
      // returned may be written through here.
      CAREID_RETURN_IF_ERROR(inherit(const_cast<AttributeType&>(*type.superior)));
      type.equality = type.superior->equality;
      type.ordering = type.superior->ordering;
      type.substr = type.superior->substr;
      type.syntax = type.superior->syntax;
      type.syntax_length = type.superior->syntax_length;
    }

    const AttributeTypeDefinition& d = type.definition;
    CAREID_RETURN_IF_ERROR(resolve_rule(type, d.equality, "EQUALITY", type.equality));
    CAREID_RETURN_IF_ERROR(resolve_rule(type, d.ordering, "ORDERING", type.ordering));
    CAREID_RETURN_IF_ERROR(resolve_rule(type, d.substr, "SUBSTR", type.substr));
    if (!d.syntax.empty()) {
      type.syntax = schema_.find_syntax(d.syntax);
      type.syntax_length = d.syntax_length;
      if (type.syntax == nullptr) {
        return definition_error(
            type.source, "attribute type '" + type.name() + "' has unknown SYNTAX " + d.syntax);
      }
    }
    if (type.syntax == nullptr) {
      return definition_error(type.source,
                              "attribute type '" + type.name() + "' has neither SUP nor SYNTAX");
    }
    return Status::ok_status();
  }

  Status add_attributes(const ObjectClass& owner, const std::vector<std::string>& names,
                        const char* keyword, std::vector<const AttributeType*>& out) {
    for (const std::string& name : names) {
      const AttributeType* type = schema_.find_attribute_type(name);
      if (type == nullptr) {
        return definition_error(owner.source, "object class '" + owner.name() + "' has unknown " +
                                                  keyword + " attribute '" + name + "'");
      }
      if (std::find(out.begin(), out.end(), type) == out.end()) {
        out.push_back(type);
      }
    }
    return Status::ok_status();
  }

  // Gathers MUST and MAY of `current` and its superclasses into `target` (RFC 4512 4.1.1).
  Status collect_attributes(ObjectClass& target, const ObjectClass& current,
                            std::set<const ObjectClass*>& visiting) {
    if (!visiting.insert(&current).second) {
      return definition_error(
          target.source, "object class '" + target.name() + "' is its own superclass through SUP");
    }
    CAREID_RETURN_IF_ERROR(add_attributes(current, current.definition.must, "MUST", target.must));
    CAREID_RETURN_IF_ERROR(add_attributes(current, current.definition.may, "MAY", target.may));
    for (const ObjectClass* superior : current.superiors) {
      CAREID_RETURN_IF_ERROR(collect_attributes(target, *superior, visiting));
    }
    visiting.erase(&current);
    return Status::ok_status();
  }

  Schema& schema_;
  std::vector<std::unique_ptr<MatchingRule>>& rules_;
  std::vector<std::unique_ptr<AttributeType>>& types_;
  std::vector<std::unique_ptr<ObjectClass>>& classes_;
};

Status resolve_content_attributes(const Schema& schema, const DitContentRule& rule,
                                  const std::vector<std::string>& names, const char* keyword,
                                  std::vector<const AttributeType*>& out) {
  for (const std::string& name : names) {
    const AttributeType* type = schema.find_attribute_type(name);
    if (type == nullptr) {
      return definition_error(rule.source, "DIT content rule " + rule.definition.oid + " has unknown " +
                                               keyword + " attribute '" + name + "'");
    }
    out.push_back(type);
  }
  return Status::ok_status();
}

// RFC 4512 4.1.6: the OID names a structural class, AUX names auxiliary classes.
Status link_content_rule(const Schema& schema, DitContentRule& rule) {
  const DitContentRuleDefinition& d = rule.definition;
  rule.structural = schema.find_object_class(d.oid);
  if (rule.structural == nullptr || rule.structural->kind() != ObjectClassKind::kStructural) {
    return definition_error(rule.source, "DIT content rule " + d.oid +
                                             " must have the OID of a structural object class");
  }
  if (schema.find_content_rule(*rule.structural) != nullptr) {
    return definition_error(rule.source, "object class '" + rule.structural->name() +
                                             "' already has a DIT content rule");
  }
  for (const std::string& name : d.auxiliaries) {
    const ObjectClass* aux = schema.find_object_class(name);
    if (aux == nullptr || aux->kind() != ObjectClassKind::kAuxiliary) {
      return definition_error(rule.source, "DIT content rule " + d.oid + " lists '" + name +
                                               "' in AUX, which is not an auxiliary object class");
    }
    rule.auxiliaries.push_back(aux);
  }
  CAREID_RETURN_IF_ERROR(resolve_content_attributes(schema, rule, d.must, "MUST", rule.must));
  CAREID_RETURN_IF_ERROR(resolve_content_attributes(schema, rule, d.may, "MAY", rule.may));
  return resolve_content_attributes(schema, rule, d.precluded, "NOT", rule.precluded);
}

}  // namespace

Result<std::shared_ptr<const Schema>> SchemaBuilder::build() {
  std::shared_ptr<Schema> schema(new Schema());
  auto syntaxes = std::move(syntaxes_);
  auto rules = std::move(rules_);
  auto attributes = std::move(attributes_);
  auto classes = std::move(classes_);
  auto content_rules = std::move(content_rules_);
  content_rules_.clear();
  syntaxes_.clear();
  rules_.clear();
  attributes_.clear();
  classes_.clear();

  // Register every definition by OID and names first, so references may point forwards.
  for (auto& [definition, source] : syntaxes) {
    auto syntax =
        std::make_unique<Syntax>(Syntax{std::move(definition), std::move(source), nullptr});
    syntax->validator = find_syntax_validator(syntax->definition.oid);
    schema->syntaxes_.push_back(std::move(syntax));
    CAREID_RETURN_IF_ERROR(register_keys(schema->syntax_index_, schema->syntaxes_,
                                         schema->syntaxes_.size() - 1, {}, "LDAP syntax"));
  }
  for (auto& [definition, source] : rules) {
    auto rule = std::make_unique<MatchingRule>();
    rule->definition = std::move(definition);
    rule->source = std::move(source);
    schema->matching_rules_.push_back(std::move(rule));
    CAREID_RETURN_IF_ERROR(register_keys(
        schema->rule_index_, schema->matching_rules_, schema->matching_rules_.size() - 1,
        schema->matching_rules_.back()->definition.names, "matching rule"));
  }
  for (auto& [definition, source] : attributes) {
    auto type = std::make_unique<AttributeType>();
    type->definition = std::move(definition);
    type->source = std::move(source);
    schema->attribute_types_.push_back(std::move(type));
    CAREID_RETURN_IF_ERROR(register_keys(
        schema->attribute_index_, schema->attribute_types_, schema->attribute_types_.size() - 1,
        schema->attribute_types_.back()->definition.names, "attribute type"));
  }
  for (auto& [definition, source] : classes) {
    auto oc = std::make_unique<ObjectClass>();
    oc->definition = std::move(definition);
    oc->source = std::move(source);
    schema->object_classes_.push_back(std::move(oc));
    CAREID_RETURN_IF_ERROR(register_keys(
        schema->class_index_, schema->object_classes_, schema->object_classes_.size() - 1,
        schema->object_classes_.back()->definition.names, "object class"));
  }

  Linker linker(*schema, schema->matching_rules_, schema->attribute_types_,
                schema->object_classes_);
  CAREID_RETURN_IF_ERROR(linker.link_rules());
  CAREID_RETURN_IF_ERROR(linker.link_attribute_types());
  CAREID_RETURN_IF_ERROR(linker.link_object_classes());
  for (auto& [definition, source] : content_rules) {
    auto rule = std::make_unique<DitContentRule>();
    rule->definition = std::move(definition);
    rule->source = std::move(source);
    CAREID_RETURN_IF_ERROR(link_content_rule(*schema, *rule));
    schema->content_rules_.push_back(std::move(rule));
  }
  return std::shared_ptr<const Schema>(std::move(schema));
}

}  // namespace careid::directory::schema
