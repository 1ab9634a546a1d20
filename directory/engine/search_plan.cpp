#include "directory/engine/search_plan.h"

#include <algorithm>
#include <iterator>

#include "directory/engine/attribute_description.h"
#include "directory/engine/index_keys.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using Ids = std::vector<storage::EntryId>;
using protocol::Filter;
using protocol::FilterType;
using storage::IndexKeyKind;

// Maximum substring keys counted per filter. Each count is one lookup.
constexpr std::size_t kMaxSubstringKeys = 32;

// Once this few candidates remain, further lists are skipped, because the filter is
// checked on every candidate anyway.
constexpr std::size_t kFewCandidates = 16;

// A list this many times longer than the candidates is probed per candidate, because a
// probe costs about a microsecond and reading costs a few nanoseconds per id.
constexpr std::uint64_t kProbeRatio = 256;

// One id list of an index, with its length counted before it is read.
struct IndexList {
  std::string attribute;
  IndexKeyKind kind = IndexKeyKind::kEquality;
  std::string key;
  std::uint64_t size = 0;
};

// Operands of an AND: index lists not read yet, and id sets already computed (from OR,
// ordering, or substrings with values too long to index).
struct Intersection {
  std::vector<IndexList> lists;
  std::vector<Ids> sets;
  bool nothing = false;  // an operand matches no entry
};

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

// Counts the list of (type, kind, key) and adds it to `into`. Returns false on a store error.
bool add_list(const schema::AttributeType& type, IndexKeyKind kind, std::string key,
              const storage::Transaction& txn, std::vector<IndexList>& into) {
  auto size = txn.id_count(type.name(), kind, key);
  if (!size.ok()) {
    return false;
  }
  into.push_back({type.name(), kind, std::move(key), *size});
  return true;
}

// Applies `lists` to `ids` (or starts from the shortest list when `ids` is empty),
// shortest first, until few candidates remain. Returns std::nullopt on a store error.
std::optional<Ids> apply_lists(std::vector<IndexList> lists, std::optional<Ids> ids,
                               const storage::Transaction& txn) {
  std::sort(lists.begin(), lists.end(), [](const IndexList& a, const IndexList& b) { return a.size < b.size; });

  for (const IndexList& list : lists) {
    if (ids.has_value() && ids->size() <= kFewCandidates) {
      break;
    }

    Result<Ids> step = Ids{};
    if (!ids.has_value()) {
      step = txn.ids_with_key(list.attribute, list.kind, list.key);
    } else if (list.size > ids->size() * kProbeRatio) {
      step = txn.ids_among(list.attribute, list.kind, list.key, *ids);
    } else {
      step = txn.ids_in_list(list.attribute, list.kind, list.key, *ids);
    }
    if (!step.ok()) {
      return std::nullopt;
    }
    ids = std::move(*step);
  }
  return ids;
}

// Intersects the computed sets, smallest first, then applies the lists.
std::optional<Ids> resolve(Intersection parts, const storage::Transaction& txn) {
  if (parts.nothing) {
    return Ids{};
  }
  std::sort(parts.sets.begin(), parts.sets.end(), [](const Ids& a, const Ids& b) { return a.size() < b.size(); });

  std::optional<Ids> ids;
  for (Ids& set : parts.sets) {
    ids = ids.has_value() ? intersect(*ids, set) : std::move(set);
  }
  if (parts.lists.empty()) {
    return ids;
  }
  return apply_lists(std::move(parts.lists), std::move(ids), txn);
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

bool collect_equality(const Filter& filter, const schema::Schema& schema, const storage::EntryStore& store,
                      const storage::Transaction& txn, Intersection& parts) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  const unsigned equality_kinds = storage::kIndexEquality | storage::kIndexOrdering;
  if (type == nullptr || type->equality == nullptr || (store.index_kinds(type->name()) & equality_kinds) == 0) {
    return false;
  }
  auto key = schema::equality_key(schema, *type, filter.assertion.assertion_value);
  if (!key.ok()) {
    parts.nothing = true;  // the value cannot match anything: Undefined for every entry
    return true;
  }
  return add_list(*type, IndexKeyKind::kEquality, std::move(*key), txn, parts.lists);
}

bool collect_present(const Filter& filter, const schema::Schema& schema, const storage::EntryStore& store,
                     const storage::Transaction& txn, Intersection& parts) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  if (type == nullptr || (store.index_kinds(type->name()) & storage::kIndexPresence) == 0) {
    return false;
  }
  return add_list(*type, IndexKeyKind::kPresence, {}, txn, parts.lists);
}

// Adds the keys of a substring filter, which every matching value has. Values too long to
// index have the key "" instead (index_keys.h), so when any exist the keys are resolved
// here and those ids are added.
bool collect_substrings(const Filter& filter, const schema::Schema& schema, const storage::EntryStore& store,
                        const storage::Transaction& txn, Intersection& parts) {
  const schema::AttributeType* type = indexed_type(filter.substrings.type, schema, store);
  if (type == nullptr || (store.index_kinds(type->name()) & storage::kIndexSubstring) == 0) {
    return false;
  }
  std::vector<IndexList> lists;
  for (std::string& key : substring_filter_keys(*type, filter.substrings, kMaxSubstringKeys)) {
    if (!add_list(*type, IndexKeyKind::kSubstring, std::move(key), txn, lists)) {
      return false;
    }
  }
  if (lists.empty()) {
    return false;
  }

  auto unindexed = txn.id_count(type->name(), IndexKeyKind::kSubstring, "");
  if (!unindexed.ok()) {
    return false;
  }
  if (*unindexed == 0) {
    std::move(lists.begin(), lists.end(), std::back_inserter(parts.lists));
    return true;
  }
  auto own = apply_lists(std::move(lists), std::nullopt, txn);
  auto long_values = txn.ids_substring(type->name(), "");
  if (!own.has_value() || !long_values.ok()) {
    return false;
  }
  parts.sets.push_back(unite(*own, *long_values));
  return true;
}

bool collect_or(const Filter& filter, const schema::Schema& schema, const storage::EntryStore& store,
                const storage::Transaction& txn, Intersection& parts) {
  Ids all;  // an empty OR is RFC 4526 absolute false
  for (const Filter& child : filter.children) {
    auto ids = plan_candidates(child, schema, store, txn);
    if (!ids.has_value()) {
      return false;
    }
    all = unite(all, *ids);
  }
  parts.sets.push_back(std::move(all));
  return true;
}

// Adds what `filter` narrows to `parts`, as an operand of an AND. Returns false when it
// cannot narrow, and the AND then relies on its other operands.
bool collect(const Filter& filter, const schema::Schema& schema, const storage::EntryStore& store,
             const storage::Transaction& txn, Intersection& parts) {
  switch (filter.type) {
    case FilterType::kEqualityMatch:
      return collect_equality(filter, schema, store, txn, parts);
    case FilterType::kPresent:
      return collect_present(filter, schema, store, txn, parts);
    case FilterType::kSubstrings:
      return collect_substrings(filter, schema, store, txn, parts);
    case FilterType::kGreaterOrEqual:
    case FilterType::kLessOrEqual: {
      auto ids = plan_ordering(filter, schema, store, txn);
      if (ids.has_value()) {
        parts.sets.push_back(std::move(*ids));
      }
      return ids.has_value();
    }
    case FilterType::kAnd: {
      bool narrowed = false;
      for (const Filter& child : filter.children) {
        narrowed = collect(child, schema, store, txn, parts) || narrowed;
      }
      return narrowed;
    }
    case FilterType::kOr:
      return collect_or(filter, schema, store, txn, parts);
    default:
      return false;
  }
}

// Returns the length of the shortest list or set in `parts`, or 0 when an operand matches
// no entry.
std::uint64_t smallest_part(const Intersection& parts) {
  if (parts.nothing) {
    return 0;
  }
  std::uint64_t smallest = UINT64_MAX;
  for (const IndexList& list : parts.lists) {
    smallest = std::min(smallest, list.size);
  }
  for (const Ids& set : parts.sets) {
    smallest = std::min<std::uint64_t>(smallest, set.size());
  }
  return smallest;
}

}  // namespace

std::optional<std::uint64_t> estimate_candidates(const Filter& filter, const schema::Schema& schema,
                                                 const storage::EntryStore& store,
                                                 const storage::Transaction& txn) {
  Intersection parts;
  if (!collect(filter, schema, store, txn, parts)) {
    return std::nullopt;
  }
  return smallest_part(parts);
}

std::optional<Ids> plan_candidates(const Filter& filter, const schema::Schema& schema,
                                   const storage::EntryStore& store, const storage::Transaction& txn) {
  Intersection parts;
  if (!collect(filter, schema, store, txn, parts)) {
    return std::nullopt;
  }
  return resolve(std::move(parts), txn);
}

}  // namespace careid::directory::engine
