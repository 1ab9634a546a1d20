#include "directory/engine/search_plan.h"

#include <algorithm>
#include <iterator>

#include "directory/engine/attribute_description.h"
#include "directory/engine/index_keys.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using Ids = std::vector<storage::EntryId>;

// Substring keys looked up per filter: more keys narrow more but cost a read each.
constexpr std::size_t kMaxSubstringLookups = 8;
using protocol::Filter;
using protocol::FilterType;

// The indexed attribute type a filter item names, or null. Descriptions with options are
// not narrowed, because the index ignores options.
const schema::AttributeType* indexed_type(std::string_view description, const schema::Schema& schema,
                                          const storage::EntryStore& store) {
  auto parsed = parse_description(schema, description);
  if (!parsed.ok() || !parsed->options.empty() || store.index_kinds(parsed->type->name()) == 0) {
    return nullptr;
  }
  return parsed->type;
}

std::optional<Ids> plan_equality(const Filter& filter, const schema::Schema& schema,
                                 const storage::EntryStore& store, const storage::Transaction& txn) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  const unsigned equality_kinds = storage::kIndexEquality | storage::kIndexOrdering;
  if (type == nullptr || type->equality == nullptr || (store.index_kinds(type->name()) & equality_kinds) == 0) {
    return std::nullopt;
  }
  auto key = schema::equality_key(schema, *type, filter.assertion.assertion_value);
  if (!key.ok()) {
    return Ids{};  // the value cannot match anything: Undefined for every entry
  }
  auto ids = txn.ids_equal(type->name(), *key);
  if (!ids.ok()) {
    return std::nullopt;
  }
  return std::move(*ids);
}

std::optional<Ids> plan_present(const Filter& filter, const schema::Schema& schema,
                                const storage::EntryStore& store, const storage::Transaction& txn) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  if (type == nullptr || (store.index_kinds(type->name()) & storage::kIndexPresence) == 0) {
    return std::nullopt;
  }
  auto ids = txn.ids_present(type->name());
  if (!ids.ok()) {
    return std::nullopt;
  }
  return std::move(*ids);
}

Ids intersect(const Ids& a, const Ids& b);
Ids unite(const Ids& a, const Ids& b);

// The keys of a substring filter narrow when every value that matches has them all; the
// ids of values too long to index (key "") join the result. See index_keys.h.
std::optional<Ids> plan_substrings(const Filter& filter, const schema::Schema& schema,
                                   const storage::EntryStore& store, const storage::Transaction& txn) {
  const schema::AttributeType* type = indexed_type(filter.substrings.type, schema, store);
  if (type == nullptr || (store.index_kinds(type->name()) & storage::kIndexSubstring) == 0) {
    return std::nullopt;
  }
  const std::vector<std::string> keys = substring_filter_keys(*type, filter.substrings, kMaxSubstringLookups);
  if (keys.empty()) {
    return std::nullopt;
  }

  std::optional<Ids> narrowed;
  for (const std::string& key : keys) {
    auto ids = txn.ids_substring(type->name(), key);
    if (!ids.ok()) {
      return std::nullopt;
    }
    narrowed = narrowed.has_value() ? intersect(*narrowed, *ids) : std::move(*ids);
  }
  auto unindexed = txn.ids_substring(type->name(), "");
  if (!unindexed.ok()) {
    return std::nullopt;
  }
  return unite(*narrowed, *unindexed);
}

// An ordering filter scans the equality keys in byte order, which is right only when the
// ORDERING rule uses the EQUALITY rule's normal form and orders it by bytes (for example
// caseIgnoreOrderingMatch with caseIgnoreMatch, but not integerOrderingMatch).
std::optional<Ids> plan_ordering(const Filter& filter, const schema::Schema& schema,
                                 const storage::EntryStore& store, const storage::Transaction& txn) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  if (type == nullptr || (store.index_kinds(type->name()) & storage::kIndexOrdering) == 0) {
    return std::nullopt;
  }
  const schema::RuleImplementation* ordering = type->ordering == nullptr ? nullptr : type->ordering->implementation;
  const schema::RuleImplementation* equality = type->equality == nullptr ? nullptr : type->equality->implementation;
  if (ordering == nullptr || equality == nullptr || ordering->compare != nullptr ||
      ordering->normalise != equality->normalise) {
    return std::nullopt;
  }

  auto key = ordering->normalise(filter.assertion.assertion_value, schema);
  if (!key.ok()) {
    return Ids{};  // Undefined for every entry
  }
  const std::string_view bound = *key;
  auto ids = filter.type == FilterType::kGreaterOrEqual ? txn.ids_in_range(type->name(), bound, std::nullopt)
                                                        : txn.ids_in_range(type->name(), std::nullopt, bound);
  if (!ids.ok()) {
    return std::nullopt;
  }
  return std::move(*ids);
}

Ids intersect(const Ids& a, const Ids& b) {
  Ids out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Ids unite(const Ids& a, const Ids& b) {
  Ids out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::optional<Ids> plan_candidates(const Filter& filter, const schema::Schema& schema,
                                   const storage::EntryStore& store, const storage::Transaction& txn) {
  switch (filter.type) {
    case FilterType::kEqualityMatch:
      return plan_equality(filter, schema, store, txn);
    case FilterType::kPresent:
      return plan_present(filter, schema, store, txn);
    case FilterType::kSubstrings:
      return plan_substrings(filter, schema, store, txn);
    case FilterType::kGreaterOrEqual:
    case FilterType::kLessOrEqual:
      return plan_ordering(filter, schema, store, txn);
    case FilterType::kAnd: {
      std::optional<Ids> narrowed;
      for (const Filter& child : filter.children) {
        auto ids = plan_candidates(child, schema, store, txn);
        if (ids.has_value()) {
          narrowed = narrowed.has_value() ? intersect(*narrowed, *ids) : std::move(*ids);
        }
      }
      return narrowed;
    }
    case FilterType::kOr: {
      if (filter.children.empty()) {
        return Ids{};  // RFC 4526 absolute false
      }
      Ids all;
      for (const Filter& child : filter.children) {
        auto ids = plan_candidates(child, schema, store, txn);
        if (!ids.has_value()) {
          return std::nullopt;
        }
        all = unite(all, *ids);
      }
      return all;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace careid::directory::engine
