// Directory::search_collected: search results held in memory and sorted by the server-side
// sort control's keys (RFC 2891).
#include <algorithm>
#include <memory>

#include "directory/engine/attribute_selection.h"
#include "directory/engine/directory.h"
#include "directory/engine/naming.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::SortKey;

// A sort key checked against the schema, and whether the client asked for its attribute.
// `ordered` is a copy of the type whose ORDERING is the rule the key sorts with.
struct ResolvedKey {
  const schema::AttributeType* type = nullptr;
  std::shared_ptr<const schema::AttributeType> ordered;
  bool reverse = false;
  bool requested = false;
};

const schema::AttributeType* type_of(const schema::Schema& schema, std::string_view description) {
  return schema.find_attribute_type(description.substr(0, description.find(';')));
}

// True when the original attribute list returns `type` (RFC 4511 4.5.1.8, RFC 3673).
bool is_requested(const schema::Schema& schema, const std::vector<std::string>& attributes,
                  const schema::AttributeType& type) {
  const bool everything_user = attributes.empty() ||
                               std::find(attributes.begin(), attributes.end(), "*") != attributes.end();
  const bool everything_operational = std::find(attributes.begin(), attributes.end(), "+") != attributes.end();
  if (type.is_operational() ? everything_operational : everything_user) {
    return true;
  }
  return std::any_of(attributes.begin(), attributes.end(),
                     [&](const std::string& name) { return type_of(schema, name) == &type; });
}

// The rule a key sorts with: the orderingRule the client named (when careid implements
// it), else the type's ORDERING rule, else the ordering rule paired with its EQUALITY rule
// by name (caseIgnoreMatch -> caseIgnoreOrderingMatch), so that names such as cn, which
// RFC 4519 gives no ORDERING rule, can still be sorted. Null when there is none.
const schema::MatchingRule* ordering_rule_for(const schema::Schema& schema, const schema::AttributeType& type,
                                              const std::optional<std::string>& requested) {
  auto usable = [](const schema::MatchingRule* rule) {
    return rule != nullptr && rule->implementation != nullptr && rule->name().ends_with("OrderingMatch") ? rule : nullptr;
  };
  if (requested.has_value()) {
    return usable(schema.find_matching_rule(*requested));
  }
  if (type.ordering != nullptr) {
    return usable(type.ordering);
  }
  if (type.equality == nullptr || !type.equality->name().ends_with("Match")) {
    return nullptr;
  }
  const std::string& equality = type.equality->name();
  return usable(schema.find_matching_rule(equality.substr(0, equality.size() - 5) + "OrderingMatch"));
}

// Resolves every key, or returns the sortResult code and the attribute type at fault.
Result<std::vector<ResolvedKey>, std::pair<ResultCode, std::string>> resolve_keys(
    const schema::Schema& schema, const std::vector<SortKey>& keys, const std::vector<std::string>& attributes) {
  std::vector<ResolvedKey> resolved;
  for (const SortKey& key : keys) {
    const schema::AttributeType* type = type_of(schema, key.attribute_type);
    if (type == nullptr) {
      return std::make_pair(ResultCode::kNoSuchAttribute, key.attribute_type);
    }
    const schema::MatchingRule* rule = ordering_rule_for(schema, *type, key.ordering_rule);
    if (rule == nullptr) {
      return std::make_pair(ResultCode::kInappropriateMatching, key.attribute_type);
    }
    auto ordered = std::make_shared<schema::AttributeType>(*type);
    ordered->ordering = rule;
    resolved.push_back({type, std::move(ordered), key.reverse_order, is_requested(schema, attributes, *type)});
  }
  return resolved;
}

// The value an entry sorts by for one key: its least value, or its greatest when the key
// is reversed (RFC 2891 2); nullopt when the entry has none.
std::optional<std::string> sort_value(const schema::Schema& schema, const protocol::SearchResultEntry& entry,
                                      const ResolvedKey& key) {
  std::optional<std::string> chosen;
  for (const protocol::PartialAttribute& attribute : entry.attributes) {
    if (type_of(schema, attribute.type) != key.type) {
      continue;
    }
    for (const std::string& value : attribute.values) {
      auto order = chosen.has_value() ? schema::compare_values(schema, *key.ordered, value, *chosen) : Result<int>(0);
      if (!chosen.has_value() || (order.ok() && (key.reverse ? *order > 0 : *order < 0))) {
        chosen = value;
      }
    }
  }
  return chosen;
}

void sort_entries(const schema::Schema& schema, const std::vector<ResolvedKey>& keys,
                  std::vector<protocol::SearchResultEntry>& entries) {
  // Each entry's key values are computed once, not in every comparison.
  std::vector<std::pair<std::vector<std::optional<std::string>>, std::size_t>> rows;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::vector<std::optional<std::string>> values;
    for (const ResolvedKey& key : keys) {
      values.push_back(sort_value(schema, entries[i], key));
    }
    rows.emplace_back(std::move(values), i);
  }

  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const auto& left = a.first[k];
      const auto& right = b.first[k];
      if (left.has_value() != right.has_value()) {
        return left.has_value();  // entries without the attribute go last
      }
      if (!left.has_value()) {
        continue;
      }
      auto order = schema::compare_values(schema, *keys[k].ordered, *left, *right);
      if (order.ok() && *order != 0) {
        return keys[k].reverse ? *order > 0 : *order < 0;
      }
    }
    return false;
  });

  std::vector<protocol::SearchResultEntry> sorted;
  sorted.reserve(entries.size());
  for (const auto& row : rows) {
    sorted.push_back(std::move(entries[row.second]));
  }
  entries = std::move(sorted);
}

// Removes what the sort needed but the client did not ask for.
void strip_sort_attributes(const schema::Schema& schema, const std::vector<ResolvedKey>& keys, bool types_only,
                           std::vector<protocol::SearchResultEntry>& entries) {
  for (protocol::SearchResultEntry& entry : entries) {
    std::erase_if(entry.attributes, [&](const protocol::PartialAttribute& attribute) {
      const schema::AttributeType* type = type_of(schema, attribute.type);
      return std::any_of(keys.begin(), keys.end(),
                         [&](const ResolvedKey& key) { return !key.requested && key.type == type; });
    });
    if (types_only) {
      for (protocol::PartialAttribute& attribute : entry.attributes) {
        attribute.values.clear();
      }
    }
  }
}

}  // namespace

CollectedSearch Directory::search_collected(const protocol::SearchRequest& request, const Identity& identity,
                                            const std::vector<SortKey>& sort_keys, std::size_t max_entries) const {
  CollectedSearch collected;
  std::vector<ResolvedKey> keys;
  protocol::SearchRequest effective = request;
  if (!sort_keys.empty()) {
    auto resolved = resolve_keys(*schema_, sort_keys, request.attributes);
    if (resolved.ok()) {
      keys = std::move(*resolved);
      collected.sort_result = ResultCode::kSuccess;
    } else {
      collected.sort_result = resolved.error().first;
      collected.sort_attribute = resolved.error().second;
    }
  }
  // The sort needs the key values even when the client did not ask for them.
  for (const ResolvedKey& key : keys) {
    if (!key.requested) {
      if (effective.attributes.empty()) {
        effective.attributes.push_back("*");  // an empty list meant every user attribute
      }
      effective.attributes.push_back(key.type->name());
    }
  }
  if (!keys.empty()) {
    effective.types_only = false;
  }

  bool over_limit = false;
  collected.result = search(effective, identity, [&](protocol::SearchResultEntry&& entry) {
    if (collected.entries.size() >= max_entries) {
      over_limit = true;
      return false;
    }
    collected.entries.push_back(std::move(entry));
    return true;
  });
  if (over_limit) {
    collected.entries.clear();
    collected.result = ldap_result(ResultCode::kAdminLimitExceeded,
                                   "more than " + std::to_string(max_entries) +
                                       " results to sort or page; narrow the filter or the base");
    if (collected.sort_result == ResultCode::kSuccess) {
      collected.sort_result = ResultCode::kAdminLimitExceeded;
    }
    return collected;
  }
  if (!keys.empty()) {
    sort_entries(*schema_, keys, collected.entries);
    strip_sort_attributes(*schema_, keys, request.types_only, collected.entries);
  }
  return collected;
}

}  // namespace careid::directory::engine
