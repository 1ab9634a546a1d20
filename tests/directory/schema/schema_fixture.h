// The real schemas/ folder, loaded once per test program.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "directory/schema/schema.h"
#include "directory/schema/schema_file.h"

namespace careid::directory::schema::testing {

inline const Schema& real_schema() {
  static const std::shared_ptr<const Schema> loaded = [] {
    auto result = load_schema_directory(std::filesystem::path(CAREID_SOURCE_DIR) / "schemas");
    if (!result.ok()) {
      FAIL("schemas/ does not load: " << result.status().to_string());
    }
    return *result;
  }();
  return *loaded;
}

inline const AttributeType& attribute(const char* name) {
  const AttributeType* type = real_schema().find_attribute_type(name);
  if (type == nullptr) {
    FAIL("attribute type " << name << " is not in schemas/");
  }
  return *type;
}

}  // namespace careid::directory::schema::testing
