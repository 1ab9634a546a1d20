#include "directory/entry.h"

#include <algorithm>
#include <utility>

namespace careid::directory {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  auto lower = [](unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](char x, char y) { return lower(x) == lower(y); });
}

const Attribute* Entry::find(std::string_view description) const {
  for (const Attribute& attribute : attributes) {
    if (equals_ignore_case(attribute.description, description)) {
      return &attribute;
    }
  }
  return nullptr;
}

Attribute* Entry::find(std::string_view description) {
  return const_cast<Attribute*>(std::as_const(*this).find(description));
}

std::string_view Entry::first_value(std::string_view description) const {
  const Attribute* attribute = find(description);
  if (attribute == nullptr || attribute->values.empty()) {
    return {};
  }
  return attribute->values.front();
}

void Entry::add_value(std::string_view description, std::string value) {
  Attribute* attribute = find(description);
  if (attribute == nullptr) {
    attributes.push_back(Attribute{std::string(description), {}});
    attribute = &attributes.back();
  }
  attribute->values.push_back(std::move(value));
}

}  // namespace careid::directory
