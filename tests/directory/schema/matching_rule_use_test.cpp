#include <catch2/catch.hpp>
#include <string>

#include "schema_fixture.h"

namespace schema = careid::directory::schema;
using schema::testing::real_schema;

namespace {

std::string find_use(const std::vector<std::string>& uses, const std::string& oid) {
  for (const std::string& use : uses) {
    if (use.rfind("( " + oid + " ", 0) == 0) {
      return use;
    }
  }
  return {};
}

}  // namespace

TEST_CASE("matchingRuleUse lists applicable types", "[directory][schema]") {
  schema::SubschemaValues values = real_schema().render_subschema();
  REQUIRE_FALSE(values.matching_rule_uses.empty());

  std::string case_ignore = find_use(values.matching_rule_uses, "2.5.13.2");
  CHECK(case_ignore.find("NAME 'caseIgnoreMatch' APPLIES ( ") != std::string::npos);
  CHECK(case_ignore.find(" cn ") != std::string::npos);
  CHECK(case_ignore.find(" sn ") != std::string::npos);

  std::string dn_match = find_use(values.matching_rule_uses, "2.5.13.1");
  CHECK(dn_match.find(" memberOf ") != std::string::npos);
  CHECK(dn_match.find(" member ") != std::string::npos);
  CHECK(dn_match.find(" cn ") == std::string::npos);
}

TEST_CASE("matchingRuleUse values parse back", "[directory][schema]") {
  for (const std::string& use : real_schema().render_subschema().matching_rule_uses) {
    INFO(use);
    CHECK(use.substr(0, 2) == "( ");
    CHECK(use.substr(use.size() - 2) == " )");
    CHECK(use.find(" APPLIES ") != std::string::npos);
  }
}

TEST_CASE("memberOf defined as OpenLDAP does", "[directory][schema]") {
  const schema::AttributeType& member_of = schema::testing::attribute("memberOf");
  CHECK(member_of.definition.oid == "1.2.840.113556.1.2.102");
  CHECK(member_of.usage() == schema::Usage::kDsaOperation);
  CHECK(member_of.no_user_modification());
  CHECK(member_of.equality->name() == "distinguishedNameMatch");
}
