#include "directory/engine/attribute_description.h"

#include <algorithm>

#include "directory/entry.h"

namespace careid::directory::engine {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits "type;opt1;opt2" into its parts; fails on an empty part.
Result<std::vector<std::string_view>> split(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(';', start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) {
      return Status::invalid_argument("invalid attribute description '" + std::string(text) +
                                      "': empty type or option");
    }
    parts.push_back(part);
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

}  // namespace

Result<AttributeDescription> parse_description(const schema::Schema& schema, std::string_view text) {
  // Most descriptions have no options, so they need no split and no allocation.
  if (!text.empty() && text.find(';') == std::string_view::npos) {
    const schema::AttributeType* type = schema.find_attribute_type(text);
    if (type == nullptr) {
      return Status::not_found("undefined attribute type '" + std::string(text) + "'");
    }
    return AttributeDescription{type, {}};
  }

  auto parts = split(text);
  if (!parts.ok()) {
    return parts.status();
  }

  const schema::AttributeType* type = schema.find_attribute_type(parts->front());
  if (type == nullptr) {
    return Status::not_found("undefined attribute type '" + std::string(parts->front()) + "'");
  }

  AttributeDescription description{type, {}};
  for (std::size_t i = 1; i < parts->size(); ++i) {
    description.options.push_back(lower((*parts)[i]));
  }
  return description;
}

const schema::AttributeType* selects(const schema::Schema& schema, const AttributeDescription& wanted,
                                     std::string_view stored) {
  // A stored description without options needs only the type lookup, which allocates nothing.
  if (wanted.options.empty() && !stored.empty() && stored.find(';') == std::string_view::npos) {
    const schema::AttributeType* type = schema.find_attribute_type(stored);
    return type != nullptr && type->is_subtype_of(*wanted.type) ? type : nullptr;
  }

  auto have = parse_description(schema, stored);
  if (!have.ok() || !have->type->is_subtype_of(*wanted.type)) {
    return nullptr;
  }
  for (const std::string& option : wanted.options) {
    if (std::find(have->options.begin(), have->options.end(), option) == have->options.end()) {
      return nullptr;
    }
  }
  return have->type;
}

}  // namespace careid::directory::engine
