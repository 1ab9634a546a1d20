// Matching rules (RFC 4517 4.2) as normalisers and comparators, and the per-attribute
// matching that search filters, compare and duplicate-value checks use.
//
// Every implemented rule turns a value into a normal form (its equality key): two values
// match under an equality rule exactly when their keys are equal byte for byte, which is
// also what an index stores. Ordering rules compare normal forms; substring rules test
// normalised assertion parts against the normalised value.
//
// String rules follow RFC 4518: values are NFKC-normalised, caseIgnore* rules also fold
// case over all of Unicode (ICU's NFKC_Casefold), and in the insignificant space handling
// leading and trailing spaces are removed and inner runs of spaces become one space.
// Bytes that are not valid UTF-8 compare as they are.
//
// Values are not checked against their syntax here (syntax.h does that), but a rule that
// cannot read a value (the integer rule given "abc") fails with InvalidArgument. Callers
// evaluating a filter treat that as Undefined (RFC 4511 4.5.1.7).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/schema/schema.h"

namespace careid::directory::schema {

enum class RuleUsage { kEquality, kOrdering, kSubstrings };

// The code behind one matching rule, found by the rule's NAME.
struct RuleImplementation {
  std::string_view name;
  RuleUsage usage;
  // Returns the normal form of a stored value or of an equality or ordering assertion.
  Result<std::string> (*normalise)(std::string_view value, const Schema& schema);
  // Orders two normal forms: negative, zero or positive. Byte order when null.
  int (*compare)(std::string_view a, std::string_view b);
  // Substrings rules only: the normal form of an assertion part. Unlike normalise it
  // keeps a single space at either end, so that "John " matches only at a word break.
  std::string (*normalise_part)(std::string_view part);
};

// Returns the implementation of the rule named `name` (ignoring ASCII case), or null.
const RuleImplementation* find_rule_implementation(std::string_view name);

// The names of every implemented rule, for documentation and tests.
std::vector<std::string_view> implemented_rule_names();

// A substrings filter assertion (RFC 4511 4.5.1.7.2): initial, any parts in order, final.
struct SubstringAssertion {
  std::optional<std::string> initial;
  std::vector<std::string> any;
  std::optional<std::string> final;
};

// Returns the equality key of `value` for `type`. When the type has no EQUALITY rule, or
// its rule is not implemented, the key is the value's bytes, so that duplicate values are
// still caught. A search layer that must report inappropriateMatching checks
// `type.equality` itself.
Result<std::string> equality_key(const Schema& schema, const AttributeType& type,
                                 std::string_view value);

// True when the two values are equal under the type's equality rule (as equality_key).
Result<bool> values_equal(const Schema& schema, const AttributeType& type, std::string_view a,
                          std::string_view b);

// Orders two values with the type's ORDERING rule: negative when a < b. FailedPrecondition
// when the type has no implemented ordering rule (the filter result is Undefined).
Result<int> compare_values(const Schema& schema, const AttributeType& type, std::string_view a,
                           std::string_view b);

// Tests `value` against a substrings assertion with the type's SUBSTR rule.
// FailedPrecondition when the type has no implemented substrings rule.
Result<bool> match_substrings(const Schema& schema, const AttributeType& type,
                              std::string_view value, const SubstringAssertion& assertion);

// Approximate match (RFC 4511 4.5.1.7.6 leaves the rule to the server). careid's rule: for
// attributes whose equality rule is a string rule (caseIgnore*, caseExact*, telephone,
// numeric string, caseIgnoreList), the values match when they are equal after lower-casing
// and removing every space, '-' and '.'; so "Smith-Jones" approximately matches
// "smith jones". For other attributes approximate match is equality.
Result<bool> match_approximately(const Schema& schema, const AttributeType& type,
                                 std::string_view value, std::string_view assertion);

}  // namespace careid::directory::schema
