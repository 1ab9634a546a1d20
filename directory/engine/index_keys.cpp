#include "directory/engine/index_keys.h"

#include <algorithm>

#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

constexpr std::size_t kGramBytes = 3;
constexpr char kAnchor = '\0';

void append_windows(std::string_view text, std::vector<std::string>& out) {
  for (std::size_t i = 0; i + kGramBytes <= text.size(); ++i) {
    out.emplace_back(text.substr(i, kGramBytes));
  }
}

void sort_unique(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

const storage::AttributeIndex* find_index(const std::vector<storage::AttributeIndex>& indexes,
                                          const std::string& type_name) {
  for (const storage::AttributeIndex& index : indexes) {
    if (equals_ignore_case(index.attribute, type_name)) {
      return &index;
    }
  }
  return nullptr;
}

void add_value_keys(const schema::Schema& schema, const schema::AttributeType& type, unsigned kinds,
                    std::string_view value, std::vector<storage::IndexKey>& keys) {
  if ((kinds & (storage::kIndexEquality | storage::kIndexOrdering)) != 0) {
    auto key = schema::equality_key(schema, type, value);
    if (key.ok()) {
      keys.push_back({type.name(), std::move(*key), storage::IndexKeyKind::kEquality});
    }
  }

  const schema::RuleImplementation* rule = type.substr == nullptr ? nullptr : type.substr->implementation;
  if ((kinds & storage::kIndexSubstring) != 0 && rule != nullptr) {
    auto normal = rule->normalise(value, schema);
    if (normal.ok()) {
      for (std::string& gram : substring_value_keys(*normal)) {
        keys.push_back({type.name(), std::move(gram), storage::IndexKeyKind::kSubstring});
      }
    }
  }
}

}  // namespace

std::vector<std::string> substring_value_keys(std::string_view normalised_value) {
  if (normalised_value.size() > kMaxSubstringIndexedBytes) {
    return {std::string()};
  }
  std::string anchored;
  anchored.reserve(normalised_value.size() + 2);
  anchored.push_back(kAnchor);
  anchored.append(normalised_value);
  anchored.push_back(kAnchor);

  std::vector<std::string> keys;
  append_windows(anchored, keys);
  sort_unique(keys);
  return keys;
}

std::vector<std::string> substring_filter_keys(const schema::AttributeType& type,
                                               const protocol::SubstringFilter& filter,
                                               std::size_t max_keys) {
  const schema::RuleImplementation* rule = type.substr == nullptr ? nullptr : type.substr->implementation;
  if (rule == nullptr || rule->normalise_part == nullptr) {
    return {};
  }

  // The parts are normalised as match_substrings normalises them.
  std::vector<std::string> keys;
  if (filter.initial.has_value()) {
    append_windows(std::string(1, kAnchor) + rule->normalise_part(*filter.initial), keys);
  }
  for (const std::string& any : filter.any) {
    append_windows(rule->normalise_part(any), keys);
  }
  if (filter.final_value.has_value()) {
    append_windows(rule->normalise_part(*filter.final_value) + std::string(1, kAnchor), keys);
  }
  sort_unique(keys);
  if (keys.size() > max_keys) {
    keys.resize(max_keys);
  }
  return keys;
}

std::vector<storage::IndexKey> compute_index_keys(const schema::Schema& schema,
                                                  const std::vector<storage::AttributeIndex>& indexes,
                                                  const Entry& entry) {
  std::vector<storage::IndexKey> keys;
  for (const Attribute& attribute : entry.attributes) {
    std::string_view type_name = std::string_view(attribute.description).substr(0, attribute.description.find(';'));
    const schema::AttributeType* type = schema.find_attribute_type(type_name);
    if (type == nullptr) {
      continue;
    }
    const storage::AttributeIndex* index = find_index(indexes, type->name());
    if (index == nullptr) {
      continue;
    }

    if ((index->kinds & storage::kIndexPresence) != 0 && !attribute.values.empty()) {
      keys.push_back({type->name(), std::string(), storage::IndexKeyKind::kPresence});
    }
    for (const std::string& value : attribute.values) {
      add_value_keys(schema, *type, index->kinds, value, keys);
    }
  }
  return keys;
}

Result<unsigned> parse_index_kinds(std::string_view attribute, const std::vector<std::string>& kinds) {
  static constexpr std::pair<std::string_view, unsigned> kNames[] = {
      {"eq", storage::kIndexEquality},     {"equality", storage::kIndexEquality},
      {"pres", storage::kIndexPresence},   {"presence", storage::kIndexPresence},
      {"sub", storage::kIndexSubstring},   {"substr", storage::kIndexSubstring},
      {"substrings", storage::kIndexSubstring}, {"ord", storage::kIndexOrdering},
      {"ordering", storage::kIndexOrdering}};
  if (kinds.empty()) {
    return Status::invalid_argument("index of '" + std::string(attribute) +
                                    "' lists no kinds; use some of \"eq\", \"pres\", \"sub\", \"ord\"");
  }

  unsigned bits = 0;
  for (const std::string& kind : kinds) {
    auto known = std::find_if(std::begin(kNames), std::end(kNames),
                              [&](const auto& entry) { return equals_ignore_case(entry.first, kind); });
    if (known == std::end(kNames)) {
      return Status::invalid_argument("index of '" + std::string(attribute) + "' has unknown kind '" + kind +
                                      "'; use \"eq\", \"pres\", \"sub\" or \"ord\"");
    }
    bits |= known->second;
  }
  return bits;
}

Status configure_store_indexes(const schema::Schema& schema,
                               const std::vector<std::string>& indexed_attributes,
                               const std::vector<storage::AttributeIndex>& indexes,
                               storage::StoreOptions& store_options) {
  std::vector<storage::AttributeIndex> all = indexes;
  for (const std::string& name : indexed_attributes) {
    all.push_back({name, storage::kIndexEquality | storage::kIndexPresence});
  }

  std::vector<storage::AttributeIndex> merged;
  for (const storage::AttributeIndex& index : all) {
    const schema::AttributeType* type = schema.find_attribute_type(index.attribute);
    if (type == nullptr) {
      return Status::invalid_argument("indexed attribute '" + index.attribute +
                                      "' is not defined in the schema; remove it from ldap.indexes "
                                      "(or ldap.indexed_attributes) or add it to the schema");
    }
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const storage::AttributeIndex& m) { return m.attribute == type->name(); });
    if (same == merged.end()) {
      merged.push_back({type->name(), index.kinds});
    } else {
      same->kinds |= index.kinds;
    }
  }

  store_options.indexed_attributes.clear();
  store_options.indexes = merged;
  const schema::Schema* raw_schema = &schema;
  store_options.rebuild_index_keys = [raw_schema, merged](const Entry& entry) {
    return compute_index_keys(*raw_schema, merged, entry);
  };
  return Status::ok_status();
}

}  // namespace careid::directory::engine
