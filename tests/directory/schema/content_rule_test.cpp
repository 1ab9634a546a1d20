// DIT content rules (RFC 4512 4.1.6): parsing, printing, linking, the subschema values and
// the entry checks, with a rule for organizationalUnit added to the real schema files.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "directory/schema/definition.h"
#include "directory/schema/entry_check.h"
#include "directory/schema/schema_file.h"

namespace schema = careid::directory::schema;
using careid::directory::Entry;
using careid::directory::ResultCode;

namespace {

constexpr const char* kOuRule =
    "ditcontentrule ( 2.5.6.5 NAME 'ouContentRule' DESC 'fixture' AUX pkiUser MUST description "
    "MAY mail NOT telephoneNumber )\n";

// Builds the real schemas/ files plus `extra` (schema file statements).
careid::Result<std::shared_ptr<const schema::Schema>> schema_with(const std::string& extra) {
  schema::SchemaBuilder builder;
  for (const auto& file : std::filesystem::directory_iterator(std::filesystem::path(CAREID_SOURCE_DIR) / "schemas")) {
    if (file.path().extension() == ".schema") {
      careid::Status added = schema::add_schema_file(file.path(), builder);
      REQUIRE(added.ok());
    }
  }
  careid::Status added = schema::add_schema_text(extra, "fixture.schema", builder);
  if (!added.ok()) {
    return added;
  }
  return builder.build();
}

const schema::Schema& rule_schema() {
  static const std::shared_ptr<const schema::Schema> loaded = [] {
    auto built = schema_with(kOuRule);
    REQUIRE(built.ok());
    return *built;
  }();
  return *loaded;
}

Entry unit(std::vector<careid::directory::Attribute> extra, std::vector<std::string> classes = {}) {
  Entry entry;
  entry.dn = "ou=Ward,o=nhs";
  std::vector<std::string> object_classes = {"top", "organizationalUnit"};
  object_classes.insert(object_classes.end(), classes.begin(), classes.end());
  entry.attributes = {{"objectClass", object_classes}, {"ou", {"Ward"}}, {"description", {"ward"}}};
  entry.attributes.insert(entry.attributes.end(), extra.begin(), extra.end());
  return entry;
}

std::string violation(const schema::Schema& loaded, const Entry& entry) {
  auto checked = schema::check_entry(loaded, entry);
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.error().code == ResultCode::kObjectClassViolation);
  return checked.error().diagnostic;
}

}  // namespace

TEST_CASE("content rule parses and prints", "[directory][schema][content_rule]") {
  auto parsed = schema::parse_dit_content_rule(
      "( 2.5.6.5 NAME 'r' AUX ( pkiUser $ labeledURIObject ) MUST description MAY mail NOT ( l $ st ) X-ORIGIN 'x' )");
  REQUIRE(parsed.ok());
  CHECK(parsed->oid == "2.5.6.5");
  CHECK(parsed->auxiliaries == std::vector<std::string>{"pkiUser", "labeledURIObject"});
  CHECK(parsed->must == std::vector<std::string>{"description"});
  CHECK(parsed->may == std::vector<std::string>{"mail"});
  CHECK(parsed->precluded == std::vector<std::string>{"l", "st"});
  CHECK(schema::render(*parsed) ==
        "( 2.5.6.5 NAME 'r' AUX ( pkiUser $ labeledURIObject ) MUST description MAY mail NOT ( l $ st ) "
        "X-ORIGIN 'x' )");
  CHECK_FALSE(schema::parse_dit_content_rule("( 2.5.6.5 AUX pkiUser AUX pkiUser )").ok());
  CHECK_FALSE(schema::parse_dit_content_rule("( 2.5.6.5 SUP top )").ok());
}

TEST_CASE("content rule in subschema values", "[directory][schema][content_rule]") {
  schema::SubschemaValues values = rule_schema().render_subschema();
  REQUIRE(values.dit_content_rules.size() == 1);
  CHECK(values.dit_content_rules[0] ==
        "( 2.5.6.5 NAME 'ouContentRule' DESC 'fixture' AUX pkiUser MUST description MAY mail NOT "
        "telephoneNumber )");
  const schema::ObjectClass* ou = rule_schema().find_object_class("organizationalUnit");
  REQUIRE(ou != nullptr);
  REQUIRE(rule_schema().find_content_rule(*ou) != nullptr);
  CHECK(rule_schema().find_content_rule(*rule_schema().find_object_class("person")) == nullptr);
}

TEST_CASE("content rule allows listed extras", "[directory][schema][content_rule]") {
  auto checked = schema::check_entry(rule_schema(), unit({{"mail", {"ward@nhs.example"}}}, {"pkiUser"}));
  INFO((checked.ok() ? "" : checked.error().diagnostic));
  CHECK(checked.ok());
  // Without the rule, mail is not allowed in an organizationalUnit.
  CHECK(violation(*schema_with("").value(), unit({{"mail", {"ward@nhs.example"}}})).find("mail") !=
        std::string::npos);
}

TEST_CASE("content rule requires its MUST", "[directory][schema][content_rule]") {
  Entry entry = unit({});
  std::erase_if(entry.attributes, [](const auto& a) { return a.description == "description"; });
  CHECK(violation(rule_schema(), entry).find("requires attribute 'description'") != std::string::npos);
}

TEST_CASE("content rule rejects other auxiliaries", "[directory][schema][content_rule]") {
  std::string diagnostic = violation(rule_schema(), unit({}, {"strongAuthenticationUser"}));
  CHECK(diagnostic.find("strongAuthenticationUser") != std::string::npos);
  CHECK(diagnostic.find("ouContentRule") != std::string::npos);
}

TEST_CASE("content rule precludes NOT attributes", "[directory][schema][content_rule]") {
  std::string diagnostic = violation(rule_schema(), unit({{"telephoneNumber", {"+44 113 496 0000"}}}));
  CHECK(diagnostic.find("telephoneNumber") != std::string::npos);
}

TEST_CASE("invalid content rules fail to load", "[directory][schema][content_rule]") {
  // The OID must be a structural class's, AUX must list auxiliary classes, and each
  // attribute must be defined; a class gets one rule.
  CHECK_FALSE(schema_with("ditcontentrule ( 2.5.6.21 )\n").ok());  // pkiUser is auxiliary
  CHECK_FALSE(schema_with("ditcontentrule ( 2.5.6.5 AUX person )\n").ok());
  CHECK_FALSE(schema_with("ditcontentrule ( 2.5.6.5 MAY noSuchAttribute )\n").ok());
  CHECK_FALSE(schema_with(std::string(kOuRule) + kOuRule).ok());
  auto unknown = schema_with("ditcontentrule ( 1.2.3.4 )\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("fixture.schema:1") != std::string::npos);
}
