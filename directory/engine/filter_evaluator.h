// Evaluation of search filters against entries (RFC 4511 4.5.1.7), with the schema's
// matching rules.
//
// A filter item is TRUE, FALSE or Undefined. Undefined arises for an attribute type the
// schema does not know, an attribute without a suitable matching rule, or an assertion
// value the rule cannot read; NOT of Undefined stays Undefined, and the search returns
// only entries for which the whole filter is TRUE.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "directory/entry.h"
#include "directory/protocol/filter.h"
#include "directory/schema/schema.h"

namespace careid::directory::engine {

enum class Truth { kFalse, kTrue, kUndefined };

class FilterEvaluator {
 public:
  explicit FilterEvaluator(const schema::Schema& schema) : schema_(schema) {}

  // Evaluates `filter` against `entry`. Attribute subtypes match their supertype's
  // assertions (an assertion on "name" matches "cn"), and options in the assertion's
  // description must all appear on the attribute (RFC 4512 2.5).
  Truth evaluate(const protocol::Filter& filter, const Entry& entry) const;

  // Makes every item on an attribute type for which `searchable` returns false evaluate to
  // Undefined, so that a filter cannot reveal what access control hides (OpenLDAP does
  // the same). Types the schema does not define keep their usual results.
  void set_searchable(std::function<bool(const schema::AttributeType&)> searchable) {
    searchable_ = std::move(searchable);
  }

  // Returns whether the searchable check passes every item of `filter`. evaluate() then
  // returns what it returns without the check, so a caller that has that result already
  // need not evaluate again.
  bool searches_every_item(const protocol::Filter& filter) const;

 private:
  Truth evaluate_set(const protocol::Filter& filter, const Entry& entry) const;
  Truth evaluate_present(const protocol::Filter& filter, const Entry& entry) const;
  Truth evaluate_assertion(const protocol::Filter& filter, const Entry& entry) const;
  Truth evaluate_substrings(const protocol::Filter& filter, const Entry& entry) const;
  Truth evaluate_extensible(const protocol::Filter& filter, const Entry& entry) const;

  bool is_searchable(const protocol::Filter& filter) const;

  // An attribute type with every type below it through SUP, so that matching a stored
  // attribute without options needs no schema lookup.
  struct Subtypes {
    const schema::AttributeType* type = nullptr;
    std::size_t uses = 0;
    std::vector<const schema::AttributeType*> family;
  };

  // Returns the subtypes of `type`, or null for its first uses. Listing them reads the
  // whole schema, which pays off only when the evaluator tests many entries.
  const std::vector<const schema::AttributeType*>* subtypes_of(const schema::AttributeType& type) const;

  const schema::Schema& schema_;
  std::function<bool(const schema::AttributeType&)> searchable_;
  mutable std::vector<Subtypes> subtypes_;
};

// The stored attributes that can take part in evaluating one filter: those whose type is,
// or is a subtype of, a type the filter names. FilterEvaluator::evaluate gives the same
// result on an entry reduced to these attributes as on the whole entry, because items
// skip attributes of other types and of types the schema does not define.
class FilterAttributes {
 public:
  FilterAttributes(const schema::Schema& schema, const protocol::Filter& filter);

  // Returns whether the filter can read an attribute stored under `description`.
  bool reads(std::string_view description) const;

 private:
  void collect(const schema::Schema& schema, const protocol::Filter& filter,
               std::vector<const schema::AttributeType*>& types);

  // Every NAME and the OID of each type that the filter can read.
  std::vector<std::string> names_;
};

}  // namespace careid::directory::engine
