#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "directory/schema/schema.h"
#include "directory/schema/schema_file.h"

namespace schema = careid::directory::schema;

namespace {

std::shared_ptr<const schema::Schema> load_real_schema() {
  auto loaded = schema::load_schema_directory(std::filesystem::path(CAREID_SOURCE_DIR) / "schemas");
  INFO((loaded.ok() ? std::string("ok") : loaded.status().to_string()));
  REQUIRE(loaded.ok());
  return *loaded;
}

careid::Status build_text(const std::string& text) {
  schema::SchemaBuilder builder;
  careid::Status added = schema::add_schema_text(text, "test.schema", builder);
  if (!added.ok()) {
    return added;
  }
  auto built = builder.build();
  return built.ok() ? careid::Status::ok_status() : built.status();
}

const std::string kBase =
    "ldapsyntax ( 1.3.6.1.4.1.1466.115.121.1.15 DESC 'Directory String' )\n"
    "matchingrule ( 2.5.13.2 NAME 'caseIgnoreMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
    "attributetype ( 2.5.4.0 NAME 'objectClass' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
    "objectclass ( 2.5.6.0 NAME 'top' ABSTRACT MUST objectClass )\n";

}  // namespace

TEST_CASE("schema folder loads without error", "[directory][schema]") {
  auto loaded = load_real_schema();
  CHECK(loaded->attribute_types().size() > 250);
  CHECK(loaded->object_classes().size() > 50);

  // Every class the NHS Spine directory uses is present with its real OID.
  const std::pair<const char*, const char*> nhs_classes[] = {
      {"nhsPerson", "1.2.826.0.1285.0.2.0.65"},        {"nhsOrgPerson", "1.2.826.0.1285.0.2.0.66"},
      {"nhsOrgPersonRole", "1.2.826.0.1285.0.2.0.67"}, {"nhsOrg", "1.2.826.0.1285.0.2.0.61"},
      {"nhsRBACJR", "1.2.826.0.1285.0.2.0.112"},       {"nhsRBACBF", "1.2.826.0.1285.0.2.0.114"},
      {"nhsRBACBL", "1.2.826.0.1285.0.2.0.115"},       {"nhsRBACAoW", "1.2.826.0.1285.0.2.0.113"},
      {"nhsRBAC", "1.2.826.0.1285.0.2.0.111"},
  };
  for (const auto& [name, oid] : nhs_classes) {
    const schema::ObjectClass* oc = loaded->find_object_class(name);
    INFO(name);
    REQUIRE(oc != nullptr);
    CHECK(oc->definition.oid == oid);
    CHECK(loaded->find_object_class(oid) == oc);
  }

  const schema::ObjectClass* position = loaded->find_object_class("careidPosition");
  REQUIRE(position != nullptr);
  CHECK(position->definition.oid.rfind("2.25.", 0) == 0);
  CHECK(position->kind() == schema::ObjectClassKind::kStructural);
}

TEST_CASE("schema lookup by name and OID", "[directory][schema]") {
  auto loaded = load_real_schema();
  const schema::AttributeType* cn = loaded->find_attribute_type("cn");
  REQUIRE(cn != nullptr);
  CHECK(loaded->find_attribute_type("commonName") == cn);
  CHECK(loaded->find_attribute_type("COMMONNAME") == cn);
  CHECK(loaded->find_attribute_type("2.5.4.3") == cn);
  CHECK(cn->name() == "cn");
  CHECK(loaded->find_attribute_type("noSuchAttribute") == nullptr);
  CHECK(loaded->find_object_class("INETORGPERSON") != nullptr);
  CHECK(loaded->find_matching_rule("2.5.13.2") == loaded->find_matching_rule("caseIgnoreMatch"));
  CHECK(loaded->find_syntax("1.3.6.1.4.1.1466.115.121.1.15")->definition.description ==
        "Directory String");
}

TEST_CASE("attribute SUP inherits rules", "[directory][schema]") {
  auto loaded = load_real_schema();
  const schema::AttributeType* cn = loaded->find_attribute_type("cn");
  const schema::AttributeType* name = loaded->find_attribute_type("name");
  REQUIRE(cn->superior == name);
  REQUIRE(cn->equality != nullptr);
  CHECK(cn->equality->name() == "caseIgnoreMatch");
  CHECK(cn->substr->name() == "caseIgnoreSubstringsMatch");
  CHECK(cn->ordering == nullptr);
  CHECK(cn->syntax->definition.oid == "1.3.6.1.4.1.1466.115.121.1.15");
  CHECK(cn->syntax_length == 32768);
  CHECK(cn->is_subtype_of(*name));
  CHECK_FALSE(name->is_subtype_of(*cn));

  // registeredAddress has its own SYNTAX but takes EQUALITY from postalAddress.
  const schema::AttributeType* registered = loaded->find_attribute_type("registeredAddress");
  CHECK(registered->equality->name() == "caseIgnoreListMatch");

  const schema::AttributeType* created = loaded->find_attribute_type("createTimestamp");
  CHECK(created->is_operational());
  CHECK(created->no_user_modification());
  CHECK(created->single_value());
  CHECK(created->ordering->name() == "generalizedTimeOrderingMatch");
  CHECK_FALSE(cn->is_operational());
}

TEST_CASE("object class chain collects MUST MAY", "[directory][schema]") {
  auto loaded = load_real_schema();
  const schema::ObjectClass* nhs_person = loaded->find_object_class("nhsPerson");
  const schema::ObjectClass* person = loaded->find_object_class("person");
  const schema::ObjectClass* top = loaded->find_object_class("top");
  REQUIRE(nhs_person != nullptr);
  CHECK(nhs_person->is_subclass_of(*person));
  CHECK(nhs_person->is_subclass_of(*top));
  CHECK_FALSE(person->is_subclass_of(*nhs_person));
  CHECK(top->kind() == schema::ObjectClassKind::kAbstract);
  CHECK(loaded->find_object_class("nhsRBAC")->kind() == schema::ObjectClassKind::kAuxiliary);

  auto has = [](const std::vector<const schema::AttributeType*>& list, const char* name) {
    for (const auto* type : list) {
      if (type->name() == name) {
        return true;
      }
    }
    return false;
  };
  CHECK(has(nhs_person->must, "nhsPersonStatus"));
  CHECK(has(nhs_person->must, "sn"));
  CHECK(has(nhs_person->must, "objectClass"));
  CHECK(has(nhs_person->may, "telephoneNumber"));  // from person
  CHECK(has(nhs_person->may, "title"));            // from organizationalPerson
  CHECK(has(nhs_person->may, "mail"));             // from inetOrgPerson and nhsPerson
  CHECK_FALSE(has(nhs_person->may, "nhsJobRole"));
}

TEST_CASE("schema text parse errors name line", "[directory][schema]") {
  const std::pair<std::string, std::string> cases[] = {
      {"attributetype ( 2.5.4.99 NAME 'x' )",
       "test.schema:1: attribute type 2.5.4.99 has neither SUP nor SYNTAX"},
      {"# comment\n\nattributetype ( 2.5.4.99 NAME 'x' SUP\n",
       "test.schema:3: missing or malformed value after SUP"},
      {"attributetype ( 2.5.4.99 NAME 'x' SYNTAX 1.2 SYNTAX 1.3 )",
       "keyword 'SYNTAX' appears twice"},
      {"attributetype ( 2.5.4.99 NAME 'x' FOO 1 )", "unknown keyword 'FOO'"},
      {"attributetype ( 2.5.4.99 NAME 'x SYNTAX 1.2 )", "unterminated quoted string"},
      {"attributetype ( 2.5.4.99 NAME 'x' SYNTAX 1.2", "missing ')'"},
      {"attributetype ( myOid:1 NAME 'x' SYNTAX 1.2 )", "OID macros are not supported"},
      {"objectidentifier myOid 1.2.3", "unknown statement 'objectidentifier'"},
      {"objectclass ( 2.5.6.99 NAME 'x' ABSTRACT AUXILIARY )", "more than one of"},
      {"attributetype ( 2.5.4.99 NAME 'x' SYNTAX 1.2{abc} )", "malformed SYNTAX length"},
      {"attributetype ( 2.5.4.99 NAME 'x' SYNTAX 1.2 USAGE sometimes )", "unknown USAGE"},
      {"attributetype ( 2.5.4.99 NAME 'x' SYNTAX 1.2 NO-USER-MODIFICATION )", "userApplications"},
  };
  for (const auto& [text, problem] : cases) {
    careid::Status status = build_text(text);
    INFO(text);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == careid::StatusCode::kInvalidArgument);
    CHECK_THAT(status.message(), Catch::Contains(problem));
  }
}

TEST_CASE("schema references must resolve", "[directory][schema]") {
  const std::pair<std::string, std::string> cases[] = {
      {"attributetype ( 1.1.1 NAME 'a' SUP nothing )\n",
       "test.schema:5: attribute type 'a' has unknown SUP 'nothing'"},
      {"attributetype ( 1.1.1 NAME 'a' SYNTAX 9.9.9 )\n",
       "test.schema:5: attribute type 'a' has unknown SYNTAX 9.9.9"},
      {"attributetype ( 1.1.1 NAME 'a' EQUALITY fuzzyMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 "
       ")\n",
       "unknown EQUALITY rule 'fuzzyMatch'"},
      {"objectclass ( 1.1.2 NAME 'c' SUP nothing )\n",
       "object class 'c' has unknown SUP 'nothing'"},
      {"objectclass ( 1.1.2 NAME 'c' SUP top MUST missing )\n", "unknown MUST attribute 'missing'"},
      {"objectclass ( 1.1.2 NAME 'c' SUP top MAY ( objectClass $ missing ) )\n",
       "unknown MAY attribute 'missing'"},
      {"matchingrule ( 1.1.3 NAME 'r' SYNTAX 9.9 )\n", "matching rule 'r' has unknown SYNTAX 9.9"},
      {"attributetype ( 2.5.4.0 NAME 'other' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
       "test.schema:5: attribute type name or OID '2.5.4.0' is already defined at test.schema:3"},
      {"attributetype ( 1.1.1 NAME 'OBJECTCLASS' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
       "name or OID 'OBJECTCLASS' is already defined"},
      {"objectclass ( 1.1.2 NAME 'TOP' )\n", "object class name or OID 'TOP' is already defined"},
      {"attributetype ( 1.1.1 NAME 'a' SUP b )\nattributetype ( 1.1.2 NAME 'b' SUP a )\n",
       "is its own superior"},
      {"objectclass ( 1.1.2 NAME 'c' SUP d )\nobjectclass ( 1.1.3 NAME 'd' SUP c )\n",
       "is its own superclass"},
  };
  for (const auto& [text, problem] : cases) {
    careid::Status status = build_text(kBase + text);
    INFO(text);
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::Contains(problem));
  }
}

TEST_CASE("schema references resolve forwards", "[directory][schema]") {
  // The subtype and the class come before what they name; continuation lines join up.
  const std::string text =
      "objectclass ( 1.1.2 NAME 'thing' SUP top STRUCTURAL\n"
      "\tMUST ( sub $\n"
      "\t       objectClass ) )\n"
      "attributetype ( 1.1.1 NAME 'sub' SUP base )\n"
      "attributetype ( 1.1.0 NAME 'base' EQUALITY caseIgnoreMatch\n"
      "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64} X-ORIGIN ( 'a' 'b' ) )\n";
  schema::SchemaBuilder builder;
  REQUIRE(schema::add_schema_text(kBase + text, "test.schema", builder).ok());
  auto built = builder.build();
  REQUIRE(built.ok());
  const schema::AttributeType* sub = (*built)->find_attribute_type("sub");
  REQUIRE(sub != nullptr);
  CHECK(sub->equality->name() == "caseIgnoreMatch");
  CHECK(sub->syntax_length == 64);
  CHECK(sub->source == "test.schema:8");
  CHECK((*built)->find_object_class("thing")->must.size() == 2);
}

TEST_CASE("schema directory errors", "[directory][schema]") {
  const auto dir = std::filesystem::temp_directory_path() / "careid-schema-load-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto empty = schema::load_schema_directory(dir);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == careid::StatusCode::kIoError);

  // b.schema repeats an OID of a.schema: the error names the later file and line.
  std::ofstream(dir / "a.schema") << kBase;
  std::ofstream(dir / "b.schema") << "# duplicate\nattributetype ( 2.5.4.0 NAME 'again' SYNTAX "
                                     "1.3.6.1.4.1.1466.115.121.1.15 )\n";
  std::ofstream(dir / "notes.txt") << "not a schema";
  auto duplicate = schema::load_schema_directory(dir);
  REQUIRE_FALSE(duplicate.ok());
  CHECK_THAT(duplicate.status().message(), Catch::Contains("b.schema:2"));
  CHECK_THAT(duplicate.status().message(), Catch::Contains("a.schema:3"));

  auto missing = schema::load_schema_directory(dir / "absent");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == careid::StatusCode::kIoError);
  std::filesystem::remove_all(dir);
}
