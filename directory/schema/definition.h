// Schema definitions as written: the RFC 4512 4.1 description strings for attribute types,
// object classes, LDAP syntaxes, matching rules and DIT content rules, parsed into structs
// and printed back.
//
// These structs hold only what a definition states. Inherited values (an attribute's
// EQUALITY from its SUP, an object class's inherited MUST) are resolved by Schema
// (schema.h). Names, OIDs and references keep the spelling of the source text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace careid::directory::schema {

// An extension such as X-ORIGIN 'nhsSDS' (RFC 4512 4.1 "extensions"): name and qdstrings.
using Extension = std::pair<std::string, std::vector<std::string>>;

// RFC 4512 4.1.2 AttributeUsage.
enum class Usage { kUserApplications, kDirectoryOperation, kDistributedOperation, kDsaOperation };

// RFC 4512 4.1.1 kind.
enum class ObjectClassKind { kAbstract, kStructural, kAuxiliary };

struct AttributeTypeDefinition {
  std::string oid;
  std::vector<std::string> names;
  std::string description;
  bool obsolete = false;
  std::string superior;  // SUP, empty if none
  std::string equality;  // matching rule name or OID, empty if none
  std::string ordering;
  std::string substr;
  std::string syntax;             // numeric OID without the length bound
  std::size_t syntax_length = 0;  // the {n} bound, 0 if none
  bool single_value = false;
  bool collective = false;
  bool no_user_modification = false;
  Usage usage = Usage::kUserApplications;
  std::vector<Extension> extensions;
};

struct ObjectClassDefinition {
  std::string oid;
  std::vector<std::string> names;
  std::string description;
  bool obsolete = false;
  std::vector<std::string> superiors;
  ObjectClassKind kind = ObjectClassKind::kStructural;  // RFC 4512 4.1.1 default
  std::vector<std::string> must;
  std::vector<std::string> may;
  std::vector<Extension> extensions;
};

struct SyntaxDefinition {
  std::string oid;
  std::string description;
  std::vector<Extension> extensions;
};

struct MatchingRuleDefinition {
  std::string oid;
  std::vector<std::string> names;
  std::string description;
  bool obsolete = false;
  std::string syntax;
  std::vector<Extension> extensions;
};

// RFC 4512 4.1.6 DITContentRuleDescription. The OID is that of the structural object
// class the rule governs.
struct DitContentRuleDefinition {
  std::string oid;
  std::vector<std::string> names;
  std::string description;
  bool obsolete = false;
  std::vector<std::string> auxiliaries;  // AUX
  std::vector<std::string> must;
  std::vector<std::string> may;
  std::vector<std::string> precluded;  // NOT
  std::vector<Extension> extensions;
};

// Parse one description string such as "( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )".
// Keywords are matched case-insensitively. These return InvalidArgument naming the problem:
// a keyword given twice, an unknown keyword that does not start with "X-", a missing OID,
// and unbalanced parentheses or quotes. OpenLDAP's "OID macro" form (name:suffix) is not
// accepted. Quoted strings keep RFC 4512 4.1 escapes ("\27" for "'", "\5C" for "\") decoded.
Result<AttributeTypeDefinition> parse_attribute_type(std::string_view text);
Result<ObjectClassDefinition> parse_object_class(std::string_view text);
Result<SyntaxDefinition> parse_syntax(std::string_view text);
Result<MatchingRuleDefinition> parse_matching_rule(std::string_view text);
Result<DitContentRuleDefinition> parse_dit_content_rule(std::string_view text);

// Print a definition as an RFC 4512 4.1 value, e.g. for the attributeTypes attribute of
// the subschema entry: fields in the RFC's order, single spaces, qdstrings escaped.
std::string render(const AttributeTypeDefinition& definition);
std::string render(const ObjectClassDefinition& definition);
std::string render(const SyntaxDefinition& definition);
std::string render(const MatchingRuleDefinition& definition);
std::string render(const DitContentRuleDefinition& definition);

}  // namespace careid::directory::schema
