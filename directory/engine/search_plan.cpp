#include "directory/engine/search_plan.h"

#include <algorithm>
#include <iterator>

#include "directory/engine/attribute_description.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using Ids = std::vector<storage::EntryId>;
using protocol::Filter;
using protocol::FilterType;

// The indexed attribute type a filter item names, or null. Descriptions with options are
// not narrowed, because the index ignores options.
const schema::AttributeType* indexed_type(std::string_view description, const schema::Schema& schema,
                                          const storage::EntryStore& store) {
  auto parsed = parse_description(schema, description);
  if (!parsed.ok() || !parsed->options.empty() || !store.is_indexed(parsed->type->name())) {
    return nullptr;
  }
  return parsed->type;
}

std::optional<Ids> plan_equality(const Filter& filter, const schema::Schema& schema,
                                 const storage::EntryStore& store, const storage::Transaction& txn) {
  const schema::AttributeType* type = indexed_type(filter.assertion.attribute_desc, schema, store);
  if (type == nullptr || type->equality == nullptr) {
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
  if (type == nullptr) {
    return std::nullopt;
  }
  auto ids = txn.ids_present(type->name());
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
