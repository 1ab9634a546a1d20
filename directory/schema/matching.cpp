// Matching on attribute values, through the rules an attribute type names.
#include "directory/schema/matching.h"

namespace careid::directory::schema {
namespace {

const RuleImplementation* implementation_of(const MatchingRule* rule) {
  return rule == nullptr ? nullptr : rule->implementation;
}

Status no_rule(const AttributeType& type, std::string_view kind) {
  return Status::failed_precondition("attribute type '" + type.name() + "' has no " +
                                     std::string(kind) + " matching rule that careid implements");
}

// The equality rules whose values are strings that people type, for approximate match.
bool is_string_rule(std::string_view name) {
  static constexpr std::string_view kStringRules[] = {
      "caseIgnoreMatch",    "caseExactMatch",       "caseIgnoreIA5Match",  "caseExactIA5Match",
      "numericStringMatch", "telephoneNumberMatch", "caseIgnoreListMatch",
  };
  for (std::string_view rule : kStringRules) {
    if (rule == name) {
      return true;
    }
  }
  return false;
}

std::string approximate_form(std::string_view normal) {
  std::string out;
  for (char c : normal) {
    if (c == ' ' || c == '-' || c == '.') {
      continue;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

}  // namespace

Result<std::string> equality_key(const Schema& schema, const AttributeType& type,
                                 std::string_view value) {
  const RuleImplementation* rule = implementation_of(type.equality);
  if (rule == nullptr) {
    return std::string(value);
  }
  return rule->normalise(value, schema);
}

Result<bool> values_equal(const Schema& schema, const AttributeType& type, std::string_view a,
                          std::string_view b) {
  Result<std::string> key_a = equality_key(schema, type, a);
  if (!key_a.ok()) {
    return key_a.status();
  }
  Result<std::string> key_b = equality_key(schema, type, b);
  if (!key_b.ok()) {
    return key_b.status();
  }
  return *key_a == *key_b;
}

Result<int> compare_values(const Schema& schema, const AttributeType& type, std::string_view a,
                           std::string_view b) {
  const RuleImplementation* rule = implementation_of(type.ordering);
  if (rule == nullptr) {
    return no_rule(type, "ORDERING");
  }
  Result<std::string> normal_a = rule->normalise(a, schema);
  if (!normal_a.ok()) {
    return normal_a.status();
  }
  Result<std::string> normal_b = rule->normalise(b, schema);
  if (!normal_b.ok()) {
    return normal_b.status();
  }

  if (rule->compare != nullptr) {
    return rule->compare(*normal_a, *normal_b);
  }
  const int order = normal_a->compare(*normal_b);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

Result<bool> match_substrings(const Schema& schema, const AttributeType& type,
                              std::string_view value, const SubstringAssertion& assertion) {
  const RuleImplementation* rule = implementation_of(type.substr);
  if (rule == nullptr || rule->normalise_part == nullptr) {
    return no_rule(type, "SUBSTR");
  }
  Result<std::string> normal = rule->normalise(value, schema);
  if (!normal.ok()) {
    return normal.status();
  }
  std::string_view rest = *normal;

  // RFC 4511 4.5.1.7.2: initial, then each any part in order, then final, none overlapping.
  if (assertion.initial) {
    const std::string part = rule->normalise_part(*assertion.initial);
    if (rest.substr(0, part.size()) != part) {
      return false;
    }
    rest.remove_prefix(part.size());
  }
  for (const std::string& any : assertion.any) {
    const std::string part = rule->normalise_part(any);
    const std::size_t found = rest.find(part);
    if (found == std::string_view::npos) {
      return false;
    }
    rest.remove_prefix(found + part.size());
  }
  if (assertion.final) {
    const std::string part = rule->normalise_part(*assertion.final);
    if (rest.size() < part.size() || rest.substr(rest.size() - part.size()) != part) {
      return false;
    }
  }
  return true;
}

Result<bool> match_approximately(const Schema& schema, const AttributeType& type,
                                 std::string_view value, std::string_view assertion) {
  const RuleImplementation* rule = implementation_of(type.equality);
  if (rule == nullptr || !is_string_rule(rule->name)) {
    return values_equal(schema, type, value, assertion);
  }
  Result<std::string> key_value = equality_key(schema, type, value);
  if (!key_value.ok()) {
    return key_value.status();
  }
  Result<std::string> key_assertion = equality_key(schema, type, assertion);
  if (!key_assertion.ok()) {
    return key_assertion.status();
  }
  return approximate_form(*key_value) == approximate_form(*key_assertion);
}

}  // namespace careid::directory::schema
