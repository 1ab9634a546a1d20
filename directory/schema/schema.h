// The loaded LDAP schema (RFC 4512 4): attribute types, object classes, syntaxes and
// matching rules with every reference resolved.
//
// Build one with SchemaBuilder (or load_schema_directory in schema_file.h). Building checks
// that every name and OID is unique within its kind, and that every SUP, MUST, MAY,
// EQUALITY, ORDERING, SUBSTR and SYNTAX refers to a known definition, and that every DIT
// content rule names a structural class (at most one rule each), auxiliary classes in AUX
// and known attribute types in MUST, MAY and NOT. It also resolves
// inheritance. An attribute type without its own EQUALITY, ORDERING, SUBSTR or SYNTAX takes
// the one of its nearest superior that has it (RFC 4512 4.1.2). An object class's required
// and allowed attributes include those of all its superclasses (RFC 4512 4.1.1).
//
// A built Schema is immutable and is handed out as std::shared_ptr<const Schema>, so that
// every thread can read it without locks. The pointers and references that its lookups
// return stay valid for as long as the Schema lives.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "directory/dn/dn.h"
#include "directory/schema/definition.h"

namespace careid::directory::schema {

struct RuleImplementation;  // matching.h
class Schema;

// Checks one value against an LDAP syntax; see syntax.h.
using SyntaxValidator = Status (*)(std::string_view value, const Schema& schema);

struct Syntax {
  SyntaxDefinition definition;
  std::string source;  // "core.schema:12", where the definition starts
  // Null when careid has no validator for this syntax: then every value is accepted.
  SyntaxValidator validator = nullptr;
};

struct MatchingRule {
  MatchingRuleDefinition definition;
  std::string source;
  const Syntax* syntax = nullptr;
  // Null when careid does not implement the rule; matching.h describes the fallback.
  const RuleImplementation* implementation = nullptr;

  // The first NAME, or the OID when the rule has no name.
  const std::string& name() const;
};

struct AttributeType {
  AttributeTypeDefinition definition;
  std::string source;
  const AttributeType* superior = nullptr;

  // Effective values after SUP inheritance; null when neither this type nor any superior
  // names one. `syntax` is never null in a built Schema.
  const MatchingRule* equality = nullptr;
  const MatchingRule* ordering = nullptr;
  const MatchingRule* substr = nullptr;
  const Syntax* syntax = nullptr;
  std::size_t syntax_length = 0;  // the {n} bound in characters, 0 for none; not enforced

  const std::string& name() const;
  bool single_value() const { return definition.single_value; }
  bool no_user_modification() const { return definition.no_user_modification; }
  Usage usage() const { return definition.usage; }
  // RFC 4512 3.4: attributes of any usage other than userApplications.
  bool is_operational() const { return definition.usage != Usage::kUserApplications; }
  // True when this type is `other` or inherits from it through SUP.
  bool is_subtype_of(const AttributeType& other) const;
};

struct ObjectClass {
  ObjectClassDefinition definition;
  std::string source;
  std::vector<const ObjectClass*> superiors;

  // Required and allowed attribute types including those of every superclass, each listed
  // once, in the order first met walking from this class up.
  std::vector<const AttributeType*> must;
  std::vector<const AttributeType*> may;

  const std::string& name() const;
  ObjectClassKind kind() const { return definition.kind; }
  // True when this class is `other` or inherits from it through SUP.
  bool is_subclass_of(const ObjectClass& other) const;
};

// RFC 4512 4.1.6: what entries of one structural class may hold beyond that class. When a
// structural class has a rule, its entries may list only the rule's auxiliary classes,
// must hold the rule's MUST attributes, may also hold its MAY attributes, and must not
// hold its NOT attributes. Without a rule any auxiliary class is allowed, as in slapd.
struct DitContentRule {
  DitContentRuleDefinition definition;
  std::string source;
  const ObjectClass* structural = nullptr;  // the class named by the rule's OID
  std::vector<const ObjectClass*> auxiliaries;
  std::vector<const AttributeType*> must;
  std::vector<const AttributeType*> may;
  std::vector<const AttributeType*> precluded;

  // The first NAME, or the OID when the rule has no name.
  const std::string& name() const;
};

// The values of a subschema subentry's attributes (RFC 4512 4.2), one RFC 4512 4.1 string
// per definition, in load order.
struct SubschemaValues {
  std::vector<std::string> ldap_syntaxes;
  std::vector<std::string> matching_rules;
  std::vector<std::string> attribute_types;
  std::vector<std::string> object_classes;
  // RFC 4512 4.1.4, computed: one value per rule that applies to at least one type.
  std::vector<std::string> matching_rule_uses;
  std::vector<std::string> dit_content_rules;
};

class Schema {
 public:
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  // Lookups by any NAME, ignoring ASCII case, or by numeric OID. Null when not found.
  const AttributeType* find_attribute_type(std::string_view name_or_oid) const;
  const ObjectClass* find_object_class(std::string_view name_or_oid) const;
  const MatchingRule* find_matching_rule(std::string_view name_or_oid) const;
  const Syntax* find_syntax(std::string_view oid) const;

  // All definitions in load order.
  const std::vector<std::unique_ptr<AttributeType>>& attribute_types() const {
    return attribute_types_;
  }
  const std::vector<std::unique_ptr<ObjectClass>>& object_classes() const {
    return object_classes_;
  }
  const std::vector<std::unique_ptr<MatchingRule>>& matching_rules() const {
    return matching_rules_;
  }
  const std::vector<std::unique_ptr<Syntax>>& syntaxes() const { return syntaxes_; }
  const std::vector<std::unique_ptr<DitContentRule>>& dit_content_rules() const {
    return content_rules_;
  }

  // Returns the DIT content rule of `structural`, or null when it has none.
  const DitContentRule* find_content_rule(const ObjectClass& structural) const;

  // Maps DN attribute types to their first NAME in lower case and values to the equality
  // key of that type (matching.h), for dn::Dn::normalise. Unknown types fail with NotFound,
  // invalid values with InvalidArgument. Valid while this Schema lives.
  const dn::Normaliser& dn_normaliser() const { return dn_normaliser_; }

  // The definitions rendered for the cn=Subschema entry.
  SubschemaValues render_subschema() const;

 private:
  friend class SchemaBuilder;
  Schema();

  // Hashes names and OIDs for heterogeneous lookup by string_view.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  // Lower-case name or OID -> position. A hash map, because every value of every entry an
  // operation touches looks up its attribute type.
  using Index = std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>>;

  std::vector<std::unique_ptr<AttributeType>> attribute_types_;
  std::vector<std::unique_ptr<ObjectClass>> object_classes_;
  std::vector<std::unique_ptr<MatchingRule>> matching_rules_;
  std::vector<std::unique_ptr<Syntax>> syntaxes_;
  std::vector<std::unique_ptr<DitContentRule>> content_rules_;
  Index attribute_index_;
  Index class_index_;
  Index rule_index_;
  Index syntax_index_;
  dn::Normaliser dn_normaliser_;
};

// Collects definitions, then checks and links them into a Schema. Definitions may refer to
// one another in any order: references are resolved only in build().
class SchemaBuilder {
 public:
  // `source` is where the definition came from ("nhs.schema:42") and is quoted in errors.
  void add(SyntaxDefinition definition, std::string source);
  void add(MatchingRuleDefinition definition, std::string source);
  void add(AttributeTypeDefinition definition, std::string source);
  void add(ObjectClassDefinition definition, std::string source);
  void add(DitContentRuleDefinition definition, std::string source);

  // Resolves every reference. On failure returns InvalidArgument naming the source and the
  // problem, e.g. "nhs.schema:40: attribute type 'nhsX' has unknown SUP 'nhsY'". Duplicate
  // names or OIDs name the second definition and where the first one was. The builder is
  // left empty either way.
  Result<std::shared_ptr<const Schema>> build();

 private:
  std::vector<std::pair<SyntaxDefinition, std::string>> syntaxes_;
  std::vector<std::pair<MatchingRuleDefinition, std::string>> rules_;
  std::vector<std::pair<AttributeTypeDefinition, std::string>> attributes_;
  std::vector<std::pair<ObjectClassDefinition, std::string>> classes_;
  std::vector<std::pair<DitContentRuleDefinition, std::string>> content_rules_;
};

}  // namespace careid::directory::schema
