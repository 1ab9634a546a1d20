// Attribute descriptions (RFC 4512 2.5): an attribute type followed by options,
// "cn;lang-en" or "userCertificate;binary".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/schema/schema.h"

namespace careid::directory::engine {

struct AttributeDescription {
  const schema::AttributeType* type = nullptr;
  std::vector<std::string> options;  // lower case, in the order written
};

// Splits `text` and looks its type up. NotFound when the schema has no such type;
// InvalidArgument for an empty type or option.
Result<AttributeDescription> parse_description(const schema::Schema& schema, std::string_view text);

// Returns the stored attribute's type when an assertion or selector for `wanted` applies to
// an attribute stored as `stored`: its type is `wanted.type` or a subtype, and it carries
// every option of `wanted`. Null otherwise.
const schema::AttributeType* selects(const schema::Schema& schema, const AttributeDescription& wanted,
                                     std::string_view stored);

}  // namespace careid::directory::engine
