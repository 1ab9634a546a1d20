#include "directory/schema/entry_check.h"

#include <catch2/catch.hpp>
#include <string>

#include "schema_fixture.h"

namespace schema = careid::directory::schema;
using careid::directory::Attribute;
using careid::directory::Entry;
using careid::directory::LdapError;
using careid::directory::ResultCode;
using schema::testing::real_schema;

namespace {

// A person as the Spine directory stores one (values invented, attributes real).
Entry nhs_person() {
  Entry entry;
  entry.dn = "uid=555012345678,ou=People,o=nhs";
  entry.attributes = {
      {"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson"}},
      {"uid", {"555012345678"}},
      {"cn", {"Jane Smith"}},
      {"sn", {"Smith"}},
      {"givenName", {"Jane"}},
      {"nhsPersonStatus", {"Active"}},
      {"mail", {"jane.smith@nhs.net"}},
      {"telephoneNumber", {"+44 113 496 0000"}},
      {"nhsGMC", {"7123456"}},
  };
  return entry;
}

// A role below the person's organisation record, as in the Spine DIT.
Entry nhs_org_person_role() {
  Entry entry;
  entry.dn =
      "uniqueIdentifier=555254239107,uniqueIdentifier=555187362106,uid=555012345678,ou=People,o="
      "nhs";
  entry.attributes = {
      {"objectClass", {"top", "nhsOrgPersonRole"}},
      {"uniqueIdentifier", {"555254239107"}},
      {"nhsJobRole", {"\"Clinical\":\"Clinical Provision\":\"Consultant\""}},
      {"nhsJobRoleCode", {"S0010:G0020:R0050"}},
      {"nhsIDCode", {"RVL"}},
      {"nhsBusinessFunctionsCodes", {"B0264", "B0360"}},
      {"nhsAreaOfWorkCodes", {"A0002"}},
  };
  return entry;
}

LdapError check_fails(const Entry& entry) {
  auto result = schema::check_entry(real_schema(), entry);
  REQUIRE_FALSE(result.ok());
  return result.error();
}

Attribute& attribute_of(Entry& entry, const char* description) {
  Attribute* attribute = entry.find(description);
  REQUIRE(attribute != nullptr);
  return *attribute;
}

}  // namespace

TEST_CASE("valid Spine entries pass checks", "[directory][schema]") {
  auto person = schema::check_entry(real_schema(), nhs_person());
  INFO((person.ok() ? "" : person.error().diagnostic));
  REQUIRE(person.ok());
  CHECK((*person)->name() == "nhsPerson");

  auto role = schema::check_entry(real_schema(), nhs_org_person_role());
  INFO((role.ok() ? "" : role.error().diagnostic));
  REQUIRE(role.ok());
  CHECK((*role)->name() == "nhsOrgPersonRole");

  // Superclasses need not be listed, and descriptions may use any name of the type.
  Entry short_form = nhs_person();
  attribute_of(short_form, "objectClass").values = {"nhsPerson"};
  attribute_of(short_form, "cn").description = "commonName";
  attribute_of(short_form, "uid").description = "0.9.2342.19200300.100.1.1";
  CHECK(schema::check_entry(real_schema(), short_form).ok());

  // Operational attributes need no object class.
  Entry with_operational = nhs_person();
  with_operational.attributes.push_back({"createTimestamp", {"20240101120000Z"}});
  CHECK(schema::check_entry(real_schema(), with_operational).ok());
}

TEST_CASE("entry check undefined attribute type", "[directory][schema]") {
  Entry entry = nhs_person();
  entry.attributes.push_back({"nhsFavouriteColour", {"blue"}});
  LdapError error = check_fails(entry);
  CHECK(error.code == ResultCode::kUndefinedAttributeType);
  CHECK_THAT(error.diagnostic, Catch::Contains("'nhsFavouriteColour'"));
}

TEST_CASE("entry check invalid attribute syntax", "[directory][schema]") {
  Entry bad_mail = nhs_person();
  attribute_of(bad_mail, "mail").values = {"jan\xC3\xA9@nhs.net"};
  LdapError error = check_fails(bad_mail);
  CHECK(error.code == ResultCode::kInvalidAttributeSyntax);
  CHECK_THAT(error.diagnostic, Catch::Contains("'mail'"));
  CHECK_THAT(error.diagnostic, Catch::Contains("IA5 String"));

  Entry empty_cn = nhs_person();
  attribute_of(empty_cn, "cn").values.push_back("");
  CHECK(check_fails(empty_cn).code == ResultCode::kInvalidAttributeSyntax);

  Entry bad_time = nhs_person();
  bad_time.attributes.push_back({"modifyTimestamp", {"yesterday"}});
  CHECK(check_fails(bad_time).code == ResultCode::kInvalidAttributeSyntax);

  auto described = schema::canonical_description(real_schema(), "cn;;x");
  REQUIRE_FALSE(described.ok());
  CHECK(described.error().code == ResultCode::kInvalidAttributeSyntax);
}

TEST_CASE("entry check single value constraint", "[directory][schema]") {
  Entry entry = nhs_person();
  attribute_of(entry, "nhsPersonStatus").values = {"Active", "Suspended"};
  LdapError error = check_fails(entry);
  CHECK(error.code == ResultCode::kConstraintViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("'nhsPersonStatus' is SINGLE-VALUE"));

  Entry no_values = nhs_person();
  attribute_of(no_values, "givenName").values.clear();
  CHECK(check_fails(no_values).code == ResultCode::kConstraintViolation);
}

TEST_CASE("entry check duplicate values", "[directory][schema]") {
  Entry entry = nhs_person();
  attribute_of(entry, "cn").values = {"Jane Smith", "jane  SMITH"};
  LdapError error = check_fails(entry);
  CHECK(error.code == ResultCode::kAttributeOrValueExists);
  CHECK_THAT(error.diagnostic, Catch::Contains("caseIgnoreMatch"));

  // Under caseExactMatch these two codes differ, so the role entry is fine.
  Entry role = nhs_org_person_role();
  attribute_of(role, "nhsBusinessFunctionsCodes").values = {"B0264", "b0264"};
  CHECK(schema::check_entry(real_schema(), role).ok());
  attribute_of(role, "nhsBusinessFunctionsCodes").values = {"B0264", " B0264"};
  CHECK(check_fails(role).code == ResultCode::kAttributeOrValueExists);
}

TEST_CASE("entry check object class violations", "[directory][schema]") {
  Entry missing_must = nhs_person();
  std::erase_if(missing_must.attributes,
                [](const Attribute& a) { return a.description == "nhsPersonStatus"; });
  LdapError error = check_fails(missing_must);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK(error.diagnostic ==
        "object class 'nhsPerson' requires attribute 'nhsPersonStatus': add a value for it");

  Entry not_allowed = nhs_person();
  not_allowed.attributes.push_back({"nhsJobRoleCode", {"S0010:G0020:R0050"}});
  error = check_fails(not_allowed);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("'nhsJobRoleCode' is not allowed"));

  Entry unknown_class = nhs_person();
  attribute_of(unknown_class, "objectClass").values.push_back("nhsWizard");
  error = check_fails(unknown_class);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("'nhsWizard'"));

  Entry two_structural = nhs_person();
  attribute_of(two_structural, "objectClass").values.push_back("nhsOrgPersonRole");
  error = check_fails(two_structural);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("both structural"));

  Entry no_structural = nhs_org_person_role();
  attribute_of(no_structural, "objectClass").values = {"top", "extensibleObject"};
  error = check_fails(no_structural);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("no structural object class"));

  Entry no_object_class = nhs_person();
  std::erase_if(no_object_class.attributes,
                [](const Attribute& a) { return a.description == "objectClass"; });
  CHECK(check_fails(no_object_class).code == ResultCode::kObjectClassViolation);

  // The auxiliary nhsRBAC class adds its own MUST attributes.
  Entry with_auxiliary = nhs_org_person_role();
  attribute_of(with_auxiliary, "objectClass").values.push_back("nhsRBAC");
  error = check_fails(with_auxiliary);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("'nhsRBAC' requires attribute 'cn'"));
}

TEST_CASE("extensibleObject allows any attribute", "[directory][schema]") {
  Entry entry = nhs_person();
  entry.attributes.push_back({"nhsJobRoleCode", {"S0010:G0020:R0050"}});
  attribute_of(entry, "objectClass").values.push_back("extensibleObject");
  CHECK(schema::check_entry(real_schema(), entry).ok());
}

TEST_CASE("entry check RDN naming violation", "[directory][schema]") {
  Entry entry = nhs_person();
  entry.dn = "uid=999999999999,ou=People,o=nhs";
  LdapError error = check_fails(entry);
  CHECK(error.code == ResultCode::kNamingViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("uid=999999999999"));

  // RDN values compare by the equality rule: uid ignores case and extra spaces.
  Entry matched = nhs_person();
  matched.dn = "UID=555012345678 ,ou=People,o=nhs";
  CHECK(schema::check_entry(real_schema(), matched).ok());

  Entry multi = nhs_person();
  multi.dn = "uid=555012345678+cn=Jane Smith,ou=People,o=nhs";
  CHECK(schema::check_entry(real_schema(), multi).ok());
  multi.dn = "uid=555012345678+cn=John Smith,ou=People,o=nhs";
  CHECK(check_fails(multi).code == ResultCode::kNamingViolation);

  Entry unknown_type = nhs_person();
  unknown_type.dn = "nhsShoeSize=9,ou=People,o=nhs";
  CHECK(check_fails(unknown_type).code == ResultCode::kNamingViolation);
}

TEST_CASE("entry check invalid DN", "[directory][schema]") {
  Entry entry = nhs_person();
  entry.dn = "uid=555012345678;ou=People";
  CHECK(check_fails(entry).code == ResultCode::kInvalidDnSyntax);
  entry.dn = "";
  CHECK(check_fails(entry).code == ResultCode::kInvalidDnSyntax);
}

TEST_CASE("entry after modify is rechecked", "[directory][schema]") {
  // A modify that deletes sn leaves an entry that the same check rejects.
  Entry modified = nhs_person();
  std::erase_if(modified.attributes, [](const Attribute& a) { return a.description == "sn"; });
  LdapError error = check_fails(modified);
  CHECK(error.code == ResultCode::kObjectClassViolation);
  CHECK_THAT(error.diagnostic, Catch::Contains("'sn'"));
}

TEST_CASE("attribute descriptions become canonical", "[directory][schema]") {
  const std::pair<const char*, const char*> cases[] = {
      {"commonName;lang-en", "cn;lang-en"},
      {"2.5.4.3", "cn"},
      {"CN", "cn"},
      {"userCertificate;binary", "userCertificate;binary"},
      {"NHSIDCODE", "nhsIDCode"},
      {"rfc822Mailbox", "mail"},
  };
  for (const auto& [given, canonical] : cases) {
    auto result = schema::canonical_description(real_schema(), given);
    INFO(given);
    REQUIRE(result.ok());
    CHECK(*result == canonical);
  }
  auto unknown = schema::canonical_description(real_schema(), "shoeSize;lang-en");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ResultCode::kUndefinedAttributeType);
  CHECK(schema::canonical_description(real_schema(), "cn;").error().code ==
        ResultCode::kInvalidAttributeSyntax);
  CHECK(schema::canonical_description(real_schema(), "cn;la_ng").error().code ==
        ResultCode::kInvalidAttributeSyntax);
}

TEST_CASE("canonicalise entry merges attributes", "[directory][schema]") {
  Entry entry = nhs_person();
  entry.attributes.push_back({"commonName", {"J Smith"}});
  entry.attributes.push_back({"CN;lang-cy", {"Siân Smith"}});
  auto canonical = schema::canonicalise_entry(real_schema(), entry);
  REQUIRE(canonical.ok());
  const Attribute* cn = canonical->find("cn");
  REQUIRE(cn != nullptr);
  CHECK(cn->values == std::vector<std::string>{"Jane Smith", "J Smith"});
  REQUIRE(canonical->find("cn;lang-cy") != nullptr);
  CHECK(canonical->find("cn;lang-cy")->description == "cn;lang-cy");
  CHECK(canonical->attributes.size() == entry.attributes.size() - 1);

  // Merged duplicates are then caught by the check.
  Entry duplicate = nhs_person();
  duplicate.attributes.push_back({"commonName", {"JANE SMITH"}});
  auto merged = schema::canonicalise_entry(real_schema(), duplicate);
  REQUIRE(merged.ok());
  CHECK(check_fails(*merged).code == ResultCode::kAttributeOrValueExists);

  Entry unknown = nhs_person();
  unknown.attributes.push_back({"shoeSize", {"9"}});
  auto failed = schema::canonicalise_entry(real_schema(), unknown);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ResultCode::kUndefinedAttributeType);
}
