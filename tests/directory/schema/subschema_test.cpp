#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <string>

#include "directory/schema/definition.h"
#include "schema_fixture.h"

namespace schema = careid::directory::schema;
using schema::testing::real_schema;

namespace {

// The RFC 4512 strings of the Spine subschema dump, by section and OID. The JSON file has
// one string per line, without escapes, so a line scan is enough here.
std::map<std::string, std::map<std::string, std::string>> read_dump() {
  std::ifstream in(std::string(CAREID_SHARED_DATA_DIR) + "/my_real_server_schema.json");
  REQUIRE(in);
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::string section;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t open = line.find("\"( ");
    if (open == std::string::npos) {
      const std::size_t key = line.find("\": [");
      if (key != std::string::npos) {
        section = line.substr(line.find('"') + 1, key - line.find('"') - 1);
      }
      continue;
    }
    const std::string value = line.substr(open + 1, line.rfind('"') - open - 1);
    const std::string oid = value.substr(2, value.find(' ', 2) - 2);
    sections[section][oid] = value;
  }
  return sections;
}

template <class Definitions>
void check_same_as_dump(const Definitions& definitions,
                        const std::map<std::string, std::string>& dump, std::size_t& compared) {
  for (const auto& item : definitions) {
    auto found = dump.find(item->definition.oid);
    if (found == dump.end()) {
      continue;
    }
    INFO(item->source);
    CHECK(schema::render(item->definition) == found->second);
    ++compared;
  }
}

}  // namespace

TEST_CASE("subschema rendering matches Spine dump", "[directory][schema]") {
  auto dump = read_dump();
  std::size_t compared = 0;
  check_same_as_dump(real_schema().attribute_types(), dump["attributeTypes"], compared);
  check_same_as_dump(real_schema().object_classes(), dump["objectClasses"], compared);
  check_same_as_dump(real_schema().syntaxes(), dump["ldapSyntaxes"], compared);
  check_same_as_dump(real_schema().matching_rules(), dump["matchingRules"], compared);
  CHECK(compared > 400);
}

TEST_CASE("subschema values cover every definition", "[directory][schema]") {
  schema::SubschemaValues values = real_schema().render_subschema();
  CHECK(values.attribute_types.size() == real_schema().attribute_types().size());
  CHECK(values.object_classes.size() == real_schema().object_classes().size());
  CHECK(values.ldap_syntaxes.size() == real_schema().syntaxes().size());
  CHECK(values.matching_rules.size() == real_schema().matching_rules().size());

  bool found_position = false;
  for (const std::string& value : values.object_classes) {
    found_position = found_position || value.find("NAME 'careidPosition'") != std::string::npos;
  }
  CHECK(found_position);
}

TEST_CASE("definitions survive render and parse", "[directory][schema]") {
  for (const auto& type : real_schema().attribute_types()) {
    const std::string rendered = schema::render(type->definition);
    auto reparsed = schema::parse_attribute_type(rendered);
    INFO(rendered);
    REQUIRE(reparsed.ok());
    CHECK(schema::render(*reparsed) == rendered);
  }
  for (const auto& oc : real_schema().object_classes()) {
    const std::string rendered = schema::render(oc->definition);
    auto reparsed = schema::parse_object_class(rendered);
    INFO(rendered);
    REQUIRE(reparsed.ok());
    CHECK(schema::render(*reparsed) == rendered);
  }
}

TEST_CASE("definition parse reads every field", "[directory][schema]") {
  auto type = schema::parse_attribute_type(
      "( 1.2.3 NAME ( 'a' 'b' ) DESC 'it\\27s' OBSOLETE SUP c EQUALITY caseIgnoreMatch "
      "ORDERING caseIgnoreOrderingMatch SUBSTR caseIgnoreSubstringsMatch "
      "SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64} SINGLE-VALUE COLLECTIVE NO-USER-MODIFICATION "
      "USAGE dSAOperation X-ORIGIN 'test' X-LIST ( 'x' 'y' ) )");
  REQUIRE(type.ok());
  CHECK(type->names == std::vector<std::string>{"a", "b"});
  CHECK(type->description == "it's");
  CHECK(type->obsolete);
  CHECK(type->superior == "c");
  CHECK(type->ordering == "caseIgnoreOrderingMatch");
  CHECK(type->syntax == "1.3.6.1.4.1.1466.115.121.1.15");
  CHECK(type->syntax_length == 64);
  CHECK(type->single_value);
  CHECK(type->collective);
  CHECK(type->usage == schema::Usage::kDsaOperation);
  REQUIRE(type->extensions.size() == 2);
  CHECK(type->extensions[1].second == std::vector<std::string>{"x", "y"});
  CHECK(schema::render(*type).find("DESC 'it\\27s'") != std::string::npos);

  auto oc = schema::parse_object_class(
      "( 1.2.4 NAME 'k' SUP ( top $ other ) AUXILIARY MUST a MAY ( b $ c ) )");
  REQUIRE(oc.ok());
  CHECK(oc->superiors == std::vector<std::string>{"top", "other"});
  CHECK(oc->kind == schema::ObjectClassKind::kAuxiliary);
  CHECK(oc->may == std::vector<std::string>{"b", "c"});

  auto default_kind = schema::parse_object_class("( 1.2.5 NAME 'k' )");
  REQUIRE(default_kind.ok());
  CHECK(default_kind->kind == schema::ObjectClassKind::kStructural);
}

TEST_CASE("definition parse survives truncation", "[directory][schema]") {
  const std::string full =
      "( 1.2.3 NAME ( 'a' 'b' ) DESC 'd' SUP c SYNTAX 1.2.3{5} X-ORIGIN ( 'x' 'y' ) )";
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto parsed = schema::parse_attribute_type(full.substr(0, n));
    INFO(full.substr(0, n));
    CHECK_FALSE(parsed.ok());
  }
  CHECK(schema::parse_attribute_type(full).ok());
}
