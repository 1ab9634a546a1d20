// FilterAttributes: evaluating a filter on an entry reduced to the attributes the filter
// reads gives the same result as on the whole entry, for every kind of filter item.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/engine/filter_evaluator.h"
#include "directory/protocol/filter.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using namespace careid::directory;
using engine::FilterAttributes;
using engine::FilterEvaluator;
using engine::Truth;

std::shared_ptr<const schema::Schema> load_schema() {
  auto schema = schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
  REQUIRE(schema.ok());
  return std::move(*schema);
}

protocol::Filter parse(const std::string& text) {
  auto filter = protocol::parse_filter(text);
  INFO(text);
  REQUIRE(filter.ok());
  return std::move(*filter);
}

Entry reduced(const Entry& entry, const FilterAttributes& reads) {
  Entry out{entry.dn, {}};
  for (const Attribute& attribute : entry.attributes) {
    if (reads.reads(attribute.description)) {
      out.attributes.push_back(attribute);
    }
  }
  return out;
}

std::vector<Entry> sample_entries() {
  Entry person{"uid=anne,ou=People,o=nhs", {}};
  person.add_value("objectClass", "top");
  person.add_value("objectClass", "inetOrgPerson");
  person.add_value("uid", "anne");
  person.add_value("cn", "Anne Smith");
  person.add_value("cn;lang-fr", "Anne Smithe");
  person.add_value("sn", "Smith");
  person.add_value("givenName", "Anne");
  person.add_value("mail", "anne.smith@example.org");
  person.add_value("description", "Ward sister");
  person.add_value("employeeNumber", "42");
  person.add_value("xUnknownAttribute", "anne");

  Entry other{"uid=bob,ou=People,o=nhs", {}};
  other.add_value("objectClass", "top");
  other.add_value("objectClass", "inetOrgPerson");
  other.add_value("uid", "bob");
  other.add_value("CN", "Bob Brown");
  other.add_value("sn", "Brown");
  other.add_value("telephoneNumber", "+44 20 7946 0000");

  Entry unit{"ou=People,o=nhs", {}};
  unit.add_value("objectClass", "organizationalUnit");
  unit.add_value("ou", "People");
  return {person, other, unit};
}

TEST_CASE("reduced entries evaluate like whole ones", "[directory][engine][filter]") {
  auto schema = load_schema();
  const std::vector<std::string> filters = {
      "(cn=*)",                 "(cn=anne smith)",      "(CN=bob brown)",
      "(cn=*smith*)",           "(cn=ann*)",            "(cn=*brown)",
      "(cn=a*e*h)",             "(name=anne*)",         "(name=*)",
      "(cn;lang-fr=*smithe)",   "(cn;lang-fr=*)",       "(cn;lang-de=*)",
      "(sn>=m)",                "(sn<=c)",              "(employeeNumber>=40)",
      "(cn~=anne smith)",       "(cn:=Anne Smith)",     "(cn:caseExactMatch:=Anne Smith)",
      "(:dn:caseIgnoreMatch:=people)", "(ou=people)",   "(!(uid=anne))",
      "(&(objectClass=inetOrgPerson)(sn<=brown))",      "(|(description=*sister*)(telephoneNumber=*))",
      "(|(mail=*@example.org)(uid=bob))",               "(!(cn=*))",
      "(xUnknownAttribute=anne)", "(xUnknownAttribute=*)", "(&)",  "(|)",
      "(&(cn=*)(!(givenName=anne)))", "(commonName=bob*)", "(2.5.4.3=anne*)"};

  const std::vector<Entry> entries = sample_entries();
  for (const std::string& text : filters) {
    const protocol::Filter filter = parse(text);
    const FilterAttributes reads(*schema, filter);
    for (const Entry& entry : entries) {
      FilterEvaluator evaluator(*schema);
      INFO(text << " on " << entry.dn);
      CHECK(evaluator.evaluate(filter, reduced(entry, reads)) == evaluator.evaluate(filter, entry));
    }
  }
}

TEST_CASE("filter attributes include subtypes", "[directory][engine][filter]") {
  auto schema = load_schema();

  const FilterAttributes on_name(*schema, parse("(name=anne*)"));
  CHECK(on_name.reads("cn"));
  CHECK(on_name.reads("CN;lang-fr"));
  CHECK(on_name.reads("sn"));
  CHECK(on_name.reads("name"));
  CHECK_FALSE(on_name.reads("uid"));
  CHECK_FALSE(on_name.reads("objectClass"));

  const FilterAttributes on_cn(*schema, parse("(&(cn=*smith*)(objectClass=person))"));
  CHECK(on_cn.reads("cn"));
  CHECK(on_cn.reads("commonName"));
  CHECK(on_cn.reads("2.5.4.3"));
  CHECK(on_cn.reads("objectClass"));
  CHECK_FALSE(on_cn.reads("sn"));
  CHECK_FALSE(on_cn.reads("name"));
  CHECK_FALSE(on_cn.reads("xUnknownAttribute"));

  const FilterAttributes on_unknown(*schema, parse("(xUnknownAttribute=*)"));
  CHECK_FALSE(on_unknown.reads("cn"));
  CHECK_FALSE(on_unknown.reads("xUnknownAttribute"));
}

}  // namespace
