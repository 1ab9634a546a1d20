// The TOML form of the access policy: an array of [[rule]] tables, keys as in Rule.
#include <fstream>
#include <set>
#include <sstream>

#include <toml.hpp>

#include "base/toml_text.h"
#include "directory/access/policy.h"

namespace careid::directory::access {
namespace {

// Declares or assigns `lhs` from a Result, returning its Status from the caller on error.
#define ASSIGN_CONCAT_INNER(a, b) a##b
#define ASSIGN_CONCAT(a, b) ASSIGN_CONCAT_INNER(a, b)
#define ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                          \
  if (!result.ok()) {                            \
    return result.status();                      \
  }                                              \
  lhs = std::move(*result)
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(ASSIGN_CONCAT(assigned_, __LINE__), lhs, expr)

const std::set<std::string> kRuleKeys = {
    "name",  "subtree", "object_class", "filter", "attributes", "has_organisation", "who",
    "subject_dn", "subject_subtree", "group", "job_roles", "activities", "at_target_organisation", "grant"};

struct RuleReader {
  const toml::value& table;
  std::string context;  // "access.toml rule 3 (name)"

  Status error(std::string_view key, std::string_view problem) const {
    return Status::invalid_argument(context + ": " + std::string(key) + " " + std::string(problem));
  }

  Result<std::optional<std::string>> text(const char* key) const {
    if (!table.contains(key)) {
      return std::optional<std::string>();
    }
    if (!table.at(key).is_string()) {
      return error(key, "must be a string");
    }
    return std::optional<std::string>(table.at(key).as_string().str);
  }

  Result<std::vector<std::string>> list(const char* key) const {
    std::vector<std::string> values;
    if (!table.contains(key)) {
      return values;
    }
    if (!table.at(key).is_array()) {
      return error(key, "must be an array of strings");
    }
    for (const toml::value& item : table.at(key).as_array()) {
      if (!item.is_string()) {
        return error(key, "must be an array of strings");
      }
      values.push_back(item.as_string().str);
    }
    return values;
  }

  Result<std::optional<bool>> flag(const char* key) const {
    if (!table.contains(key)) {
      return std::optional<bool>();
    }
    if (!table.at(key).is_boolean()) {
      return error(key, "must be true or false");
    }
    return std::optional<bool>(table.at(key).as_boolean());
  }
};

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

Result<std::optional<std::string>> read_dn(const RuleReader& reader, const char* key, const DnNormaliser& normalise) {
  auto text = reader.text(key);
  if (!text.ok() || !text->has_value()) {
    return text;
  }
  auto normalised = normalise(**text);
  if (!normalised.ok()) {
    return reader.error(key, "is not a valid DN: " + normalised.status().message());
  }
  return std::optional<std::string>(std::move(*normalised));
}

Status read_target(const RuleReader& reader, const DnNormaliser& normalise,
                   const std::function<bool(std::string_view)>& is_attribute, Rule& rule) {
  ASSIGN_OR_RETURN(rule.subtree, read_dn(reader, "subtree", normalise));
  ASSIGN_OR_RETURN(auto object_class, reader.text("object_class"));
  if (object_class.has_value()) {
    rule.object_class = lower(*object_class);
  }
  ASSIGN_OR_RETURN(auto filter, reader.text("filter"));
  if (filter.has_value()) {
    auto parsed = protocol::parse_filter(*filter);
    if (!parsed.ok()) {
      return reader.error("filter", "is not an RFC 4515 filter: " + parsed.status().message());
    }
    rule.filter = std::move(*parsed);
  }
  ASSIGN_OR_RETURN(auto attributes, reader.list("attributes"));
  for (const std::string& attribute : attributes) {
    if (attribute != kEntryAttribute && attribute != "*" && attribute != "+" && !is_attribute(attribute)) {
      return reader.error("attributes", "names '" + attribute + "', which the schema does not define");
    }
    rule.attributes.push_back(lower(attribute));
  }
  ASSIGN_OR_RETURN(rule.has_organisation, reader.flag("has_organisation"));
  return Status::ok_status();
}

Status read_subject(const RuleReader& reader, const DnNormaliser& normalise, Rule& rule) {
  ASSIGN_OR_RETURN(auto who, reader.text("who"));
  const std::string kind = who.value_or("*");
  if (kind == "*") {
    rule.who = SubjectKind::kAnyone;
  } else if (kind == "anonymous") {
    rule.who = SubjectKind::kAnonymous;
  } else if (kind == "authenticated") {
    rule.who = SubjectKind::kAuthenticated;
  } else if (kind == "self") {
    rule.who = SubjectKind::kSelf;
  } else {
    return reader.error("who", "is '" + kind + "'; use \"*\", \"anonymous\", \"authenticated\" or \"self\"");
  }
  ASSIGN_OR_RETURN(rule.subject_dn, read_dn(reader, "subject_dn", normalise));
  ASSIGN_OR_RETURN(rule.subject_subtree, read_dn(reader, "subject_subtree", normalise));
  ASSIGN_OR_RETURN(rule.group, read_dn(reader, "group", normalise));
  ASSIGN_OR_RETURN(rule.job_roles, reader.list("job_roles"));
  ASSIGN_OR_RETURN(rule.activities, reader.list("activities"));
  ASSIGN_OR_RETURN(auto at_organisation, reader.flag("at_target_organisation"));
  rule.at_target_organisation = at_organisation.value_or(false);
  if (rule.at_target_organisation && rule.job_roles.empty() && rule.activities.empty()) {
    return reader.error("at_target_organisation", "needs job_roles or activities to say which role profiles count");
  }
  return Status::ok_status();
}

Result<Rule> read_rule(const toml::value& table, std::string_view source, std::size_t number,
                       const DnNormaliser& normalise, const std::function<bool(std::string_view)>& is_attribute) {
  Rule rule;
  rule.name = "rule " + std::to_string(number);
  if (!table.is_table()) {
    return Status::invalid_argument(std::string(source) + ": " + rule.name + " is not a table");
  }
  RuleReader reader{table, std::string(source) + " " + rule.name};
  ASSIGN_OR_RETURN(auto name, reader.text("name"));
  if (name.has_value()) {
    rule.name = *name;
    reader.context += " (" + *name + ")";
  }
  for (const auto& [key, value] : table.as_table()) {
    if (kRuleKeys.count(key) == 0) {
      return reader.error(key, "is not a rule key");
    }
  }

  CAREID_RETURN_IF_ERROR(read_target(reader, normalise, is_attribute, rule));
  CAREID_RETURN_IF_ERROR(read_subject(reader, normalise, rule));
  ASSIGN_OR_RETURN(auto grant, reader.text("grant"));
  if (!grant.has_value()) {
    return reader.error("grant", "is missing; give a level such as \"read\"");
  }
  auto level = parse_level(*grant);
  if (!level.has_value()) {
    return reader.error("grant", "is '" + *grant + "'; use none, disclose, auth, compare, search, read, add, delete or write");
  }
  rule.grant = *level;
  return rule;
}

}  // namespace

Result<std::shared_ptr<const Policy>> parse_policy(std::string_view text, std::string_view source,
                                                   const DnNormaliser& normalise,
                                                   const std::function<bool(std::string_view)>& is_attribute) {
  Result<toml::value> parsed = parse_toml(text, source);
  if (!parsed.ok()) {
    return Status::invalid_argument(std::string(source) + " is not valid TOML: " + parsed.status().message());
  }
  toml::value root = std::move(*parsed);
  if (!root.is_table() || !root.contains("rule") || !root.at("rule").is_array()) {
    return Status::invalid_argument(std::string(source) + " has no [[rule]] tables");
  }
  for (const auto& [key, value] : root.as_table()) {
    if (key != "rule") {
      return Status::invalid_argument(std::string(source) + ": unknown top-level key '" + key + "'");
    }
  }

  std::vector<Rule> rules;
  std::size_t number = 1;
  for (const toml::value& table : root.at("rule").as_array()) {
    ASSIGN_OR_RETURN(Rule rule, read_rule(table, source, number++, normalise, is_attribute));
    rules.push_back(std::move(rule));
  }
  return std::shared_ptr<const Policy>(std::make_shared<Policy>(std::move(rules)));
}

Result<std::shared_ptr<const Policy>> load_policy(const std::string& path, const DnNormaliser& normalise,
                                                  const std::function<bool(std::string_view)>& is_attribute) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::io_error("cannot read the access policy " + path + "; check ldap.access_policy");
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return parse_policy(contents.str(), path, normalise, is_attribute);
}

}  // namespace careid::directory::access

#undef ASSIGN_OR_RETURN
#undef ASSIGN_OR_RETURN_IMPL
#undef ASSIGN_CONCAT
#undef ASSIGN_CONCAT_INNER
