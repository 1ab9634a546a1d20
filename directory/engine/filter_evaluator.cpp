#include "directory/engine/filter_evaluator.h"

#include <algorithm>
#include <functional>

#include "directory/engine/attribute_description.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::Filter;
using protocol::FilterType;

// Evaluations of one attribute type after which the evaluator lists its subtypes.
constexpr std::size_t kUsesBeforeSubtypes = 16;

// Returns the type in `family` that `stored` names by NAME or OID, ignoring case, or null.
const schema::AttributeType* named_type(const std::vector<const schema::AttributeType*>& family,
                                        std::string_view stored) {
  for (const schema::AttributeType* type : family) {
    if (equals_ignore_case(stored, type->definition.oid)) {
      return type;
    }
    for (const std::string& name : type->definition.names) {
      if (equals_ignore_case(stored, name)) {
        return type;
      }
    }
  }
  return nullptr;
}

// Calls `test` for every value of every attribute of `entry` that the assertion's
// description selects, and combines the per-value truths as RFC 4511 4.5.1.7 defines: TRUE if
// any value matches, otherwise Undefined if any value was Undefined, otherwise FALSE.
// `family`, when not null, is the wanted type with its subtypes. It decides for descriptions
// without options, and selects() with the schema decides for the others.
Truth any_value(const schema::Schema& schema, const Entry& entry, const AttributeDescription& wanted,
                const std::vector<const schema::AttributeType*>* family,
                const std::function<Truth(const schema::AttributeType&, std::string_view)>& test) {
  Truth result = Truth::kFalse;
  for (const Attribute& attribute : entry.attributes) {
    const std::string_view stored = attribute.description;
    const bool plain = family != nullptr && wanted.options.empty() && stored.find(';') == std::string_view::npos;
    const schema::AttributeType* type = plain ? named_type(*family, stored) : selects(schema, wanted, stored);
    if (type == nullptr) {
      continue;
    }
    for (const std::string& value : attribute.values) {
      Truth truth = test(*type, value);
      if (truth == Truth::kTrue) {
        return Truth::kTrue;
      }
      if (truth == Truth::kUndefined) {
        result = Truth::kUndefined;
      }
    }
  }
  return result;
}

Truth from_result(const Result<bool>& matched) {
  if (!matched.ok()) {
    return Truth::kUndefined;
  }
  return *matched ? Truth::kTrue : Truth::kFalse;
}

}  // namespace

const std::vector<const schema::AttributeType*>* FilterEvaluator::subtypes_of(const schema::AttributeType& type) const {
  auto known = std::find_if(subtypes_.begin(), subtypes_.end(), [&](const Subtypes& item) { return item.type == &type; });
  if (known == subtypes_.end()) {
    subtypes_.push_back(Subtypes{&type, 0, {}});
    known = subtypes_.end() - 1;
  }
  ++known->uses;
  if (known->uses < kUsesBeforeSubtypes) {
    return nullptr;
  }

  if (known->uses == kUsesBeforeSubtypes) {
    for (const auto& candidate : schema_.attribute_types()) {
      if (candidate->is_subtype_of(type)) {
        known->family.push_back(candidate.get());
      }
    }
  }
  return &known->family;
}

bool FilterEvaluator::is_searchable(const Filter& filter) const {
  std::string_view description;
  switch (filter.type) {
    case FilterType::kAnd:
    case FilterType::kOr:
    case FilterType::kNot:
      return true;
    case FilterType::kSubstrings:
      description = filter.substrings.type;
      break;
    case FilterType::kExtensibleMatch:
      description = filter.extensible.type.has_value() ? std::string_view(*filter.extensible.type) : std::string_view();
      break;
    default:
      description = filter.assertion.attribute_desc;
      break;
  }
  auto wanted = parse_description(schema_, description);
  return !wanted.ok() || searchable_(*wanted->type);
}

bool FilterEvaluator::searches_every_item(const Filter& filter) const {
  if (!searchable_) {
    return true;
  }
  if (filter.type == FilterType::kAnd || filter.type == FilterType::kOr || filter.type == FilterType::kNot) {
    return std::all_of(filter.children.begin(), filter.children.end(),
                       [this](const Filter& child) { return searches_every_item(child); });
  }
  return is_searchable(filter);
}

Truth FilterEvaluator::evaluate(const Filter& filter, const Entry& entry) const {
  if (searchable_ && !is_searchable(filter)) {
    return Truth::kUndefined;
  }
  switch (filter.type) {
    case FilterType::kAnd:
    case FilterType::kOr:
      return evaluate_set(filter, entry);
    case FilterType::kNot: {
      Truth inner = filter.children.empty() ? Truth::kUndefined : evaluate(filter.children.front(), entry);
      if (inner == Truth::kUndefined) {
        return Truth::kUndefined;
      }
      return inner == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
    }
    case FilterType::kPresent:
      return evaluate_present(filter, entry);
    case FilterType::kEqualityMatch:
    case FilterType::kGreaterOrEqual:
    case FilterType::kLessOrEqual:
    case FilterType::kApproxMatch:
      return evaluate_assertion(filter, entry);
    case FilterType::kSubstrings:
      return evaluate_substrings(filter, entry);
    case FilterType::kExtensibleMatch:
      return evaluate_extensible(filter, entry);
  }
  return Truth::kUndefined;
}

// RFC 4511 4.5.1.7: AND is FALSE if any operand is FALSE, TRUE if all are TRUE, else
// Undefined; OR is the dual. The empty AND is TRUE and the empty OR FALSE (RFC 4526).
Truth FilterEvaluator::evaluate_set(const Filter& filter, const Entry& entry) const {
  const bool is_and = filter.type == FilterType::kAnd;
  const Truth decisive = is_and ? Truth::kFalse : Truth::kTrue;

  Truth result = is_and ? Truth::kTrue : Truth::kFalse;
  for (const Filter& child : filter.children) {
    Truth truth = evaluate(child, entry);
    if (truth == decisive) {
      return decisive;
    }
    if (truth == Truth::kUndefined) {
      result = Truth::kUndefined;
    }
  }
  return result;
}

Truth FilterEvaluator::evaluate_present(const Filter& filter, const Entry& entry) const {
  auto wanted = parse_description(schema_, filter.assertion.attribute_desc);
  if (!wanted.ok()) {
    return Truth::kFalse;  // RFC 4511 4.5.1.7.5: present on an unknown type is FALSE
  }
  return any_value(schema_, entry, *wanted, subtypes_of(*wanted->type),
                   [](const schema::AttributeType&, std::string_view) { return Truth::kTrue; });
}

Truth FilterEvaluator::evaluate_assertion(const Filter& filter, const Entry& entry) const {
  auto wanted = parse_description(schema_, filter.assertion.attribute_desc);
  if (!wanted.ok()) {
    return Truth::kUndefined;
  }
  const std::string& asserted = filter.assertion.assertion_value;
  const FilterType type = filter.type;

  const auto* family = subtypes_of(*wanted->type);
  return any_value(schema_, entry, *wanted, family, [&](const schema::AttributeType& attribute, std::string_view value) {
    if (type == FilterType::kEqualityMatch) {
      if (attribute.equality == nullptr) {
        return Truth::kUndefined;
      }
      return from_result(schema::values_equal(schema_, attribute, value, asserted));
    }
    if (type == FilterType::kApproxMatch) {
      return from_result(schema::match_approximately(schema_, attribute, value, asserted));
    }
    auto order = schema::compare_values(schema_, attribute, value, asserted);
    if (!order.ok()) {
      return Truth::kUndefined;
    }
    bool matched = type == FilterType::kGreaterOrEqual ? *order >= 0 : *order <= 0;
    return matched ? Truth::kTrue : Truth::kFalse;
  });
}

Truth FilterEvaluator::evaluate_substrings(const Filter& filter, const Entry& entry) const {
  auto wanted = parse_description(schema_, filter.substrings.type);
  if (!wanted.ok()) {
    return Truth::kUndefined;
  }
  schema::SubstringAssertion assertion{filter.substrings.initial, filter.substrings.any,
                                       filter.substrings.final_value};

  const auto* family = subtypes_of(*wanted->type);
  return any_value(schema_, entry, *wanted, family, [&](const schema::AttributeType& attribute, std::string_view value) {
    return from_result(schema::match_substrings(schema_, attribute, value, assertion));
  });
}

Truth FilterEvaluator::evaluate_extensible(const Filter& filter, const Entry& entry) const {
  // TODO: extensibleMatch with a matchingRule or dnAttributes evaluates to Undefined; only
  // the plain "(attr:=value)" form, which means equality, is supported.
  const protocol::MatchingRuleAssertion& assertion = filter.extensible;
  if (assertion.matching_rule.has_value() || assertion.dn_attributes || !assertion.type.has_value()) {
    return Truth::kUndefined;
  }
  Filter equality = Filter::make_assertion(FilterType::kEqualityMatch, *assertion.type, assertion.match_value);
  return evaluate_assertion(equality, entry);
}

FilterAttributes::FilterAttributes(const schema::Schema& schema, const Filter& filter) {
  std::vector<const schema::AttributeType*> named;
  collect(schema, filter, named);

  for (const auto& type : schema.attribute_types()) {
    const bool read = std::any_of(named.begin(), named.end(),
                                  [&](const schema::AttributeType* wanted) { return type->is_subtype_of(*wanted); });
    if (read) {
      names_.push_back(type->definition.oid);
      names_.insert(names_.end(), type->definition.names.begin(), type->definition.names.end());
    }
  }
}

void FilterAttributes::collect(const schema::Schema& schema, const Filter& filter,
                               std::vector<const schema::AttributeType*>& types) {
  std::string_view description;
  switch (filter.type) {
    case FilterType::kAnd:
    case FilterType::kOr:
    case FilterType::kNot:
      for (const Filter& child : filter.children) {
        collect(schema, child, types);
      }
      return;
    case FilterType::kSubstrings:
      description = filter.substrings.type;
      break;
    case FilterType::kExtensibleMatch:
      if (!filter.extensible.type.has_value()) {
        return;
      }
      description = *filter.extensible.type;
      break;
    default:
      description = filter.assertion.attribute_desc;
      break;
  }
  // An item on a description the schema cannot read evaluates the same on every entry.
  auto parsed = parse_description(schema, description);
  if (parsed.ok() && std::find(types.begin(), types.end(), parsed->type) == types.end()) {
    types.push_back(parsed->type);
  }
}

bool FilterAttributes::reads(std::string_view description) const {
  // The type is the description up to its first option, if any ("cn;lang-fr").
  return std::any_of(names_.begin(), names_.end(), [&](const std::string& name) {
    return description.size() >= name.size() && equals_ignore_case(description.substr(0, name.size()), name) &&
           (description.size() == name.size() || description[name.size()] == ';');
  });
}

}  // namespace careid::directory::engine
