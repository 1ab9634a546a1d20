// Fuzzes schema definitions (RFC 4512 4.1): each parser on the whole input, rendering what
// parses, and a schema file (add_schema_text) resolved by the builder.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "directory/schema/definition.h"
#include "directory/schema/schema.h"
#include "directory/schema/schema_file.h"

namespace schema = careid::directory::schema;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto type = schema::parse_attribute_type(text); type.ok()) {
    (void)schema::render(*type);
  }
  if (auto object_class = schema::parse_object_class(text); object_class.ok()) {
    (void)schema::render(*object_class);
  }
  if (auto syntax = schema::parse_syntax(text); syntax.ok()) {
    (void)schema::render(*syntax);
  }
  if (auto rule = schema::parse_matching_rule(text); rule.ok()) {
    (void)schema::render(*rule);
  }

  schema::SchemaBuilder builder;
  if (schema::add_schema_text(text, "fuzz.schema", builder).ok()) {
    (void)builder.build();
  }
  return 0;
}
