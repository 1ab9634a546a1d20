#include "directory/schema/matching.h"

#include <catch2/catch.hpp>
#include <string>

#include "schema_fixture.h"
#include "tests/directory/schema/certificate_fixture.h"

namespace schema = careid::directory::schema;
using schema::testing::attribute;
using schema::testing::real_schema;

namespace {

std::string key(const char* rule_name, std::string_view value) {
  const schema::RuleImplementation* rule = schema::find_rule_implementation(rule_name);
  REQUIRE(rule != nullptr);
  auto normal = rule->normalise(value, real_schema());
  INFO(rule_name << " '" << value << "': " << (normal.ok() ? "" : normal.status().message()));
  REQUIRE(normal.ok());
  return *normal;
}

bool rejects(const char* rule_name, std::string_view value) {
  const schema::RuleImplementation* rule = schema::find_rule_implementation(rule_name);
  REQUIRE(rule != nullptr);
  return !rule->normalise(value, real_schema()).ok();
}

int order(const char* attribute_name, std::string_view a, std::string_view b) {
  auto result = schema::compare_values(real_schema(), attribute(attribute_name), a, b);
  INFO(attribute_name << ": " << a << " vs " << b);
  REQUIRE(result.ok());
  return *result;
}

bool substrings(const char* attribute_name, std::string_view value,
                const schema::SubstringAssertion& assertion) {
  auto result =
      schema::match_substrings(real_schema(), attribute(attribute_name), value, assertion);
  REQUIRE(result.ok());
  return *result;
}

}  // namespace

TEST_CASE("every listed rule is implemented", "[directory][schema]") {
  const char* required[] = {
      "caseIgnoreMatch",
      "caseExactMatch",
      "caseIgnoreIA5Match",
      "caseExactIA5Match",
      "caseIgnoreSubstringsMatch",
      "caseExactSubstringsMatch",
      "caseIgnoreOrderingMatch",
      "caseExactOrderingMatch",
      "numericStringMatch",
      "numericStringOrderingMatch",
      "numericStringSubstringsMatch",
      "telephoneNumberMatch",
      "telephoneNumberSubstringsMatch",
      "integerMatch",
      "integerOrderingMatch",
      "generalizedTimeMatch",
      "generalizedTimeOrderingMatch",
      "distinguishedNameMatch",
      "octetStringMatch",
      "octetStringOrderingMatch",
      "booleanMatch",
      "objectIdentifierMatch",
      "uuidMatch",
  };
  for (const char* name : required) {
    INFO(name);
    CHECK(schema::find_rule_implementation(name) != nullptr);
    CHECK(real_schema().find_matching_rule(name) != nullptr);
    CHECK(real_schema().find_matching_rule(name)->implementation != nullptr);
  }
}

TEST_CASE("string rules normalise spaces case", "[directory][schema]") {
  CHECK(key("caseIgnoreMatch", "  Jane   SMITH ") == "jane smith");
  CHECK(key("caseIgnoreMatch", "a\tb") == "a b");
  CHECK(key("caseExactMatch", "  Jane   SMITH ") == "Jane SMITH");
  CHECK(key("caseIgnoreIA5Match", " Jane.Smith@NHS.net ") == "jane.smith@nhs.net");
  CHECK(key("caseExactIA5Match", "/Home/ x") == "/Home/ x");
  CHECK(key("caseIgnoreOrderingMatch", "B  a") == "b a");
  CHECK(key("caseExactOrderingMatch", "B  a") == "B a");
  CHECK(key("caseIgnoreListMatch", "1 High  Street$LEEDS") == "1 high street$leeds");
  // Non-ASCII bytes pass through unchanged (ASCII-only case folding).
  CHECK(key("caseIgnoreMatch", "Zo\xC3\xAB") == "zo\xC3\xAB");
}

TEST_CASE("string equality through attributes", "[directory][schema]") {
  const auto& s = real_schema();
  CHECK(*schema::values_equal(s, attribute("cn"), "Jane  Smith", "jane smith"));
  CHECK_FALSE(*schema::values_equal(s, attribute("cn"), "Jane Smith", "Jane Smyth"));
  CHECK(*schema::values_equal(s, attribute("nhsJobRoleCode"), "S8000:G8000:R8000 ",
                              "S8000:G8000:R8000"));
  CHECK_FALSE(*schema::values_equal(s, attribute("nhsJobRoleCode"), "S8000:G8000:R8000",
                                    "s8000:g8000:r8000"));
  CHECK(*schema::values_equal(s, attribute("mail"), "Jane@NHS.net", "jane@nhs.net"));

  // nhsPersonStatus has no EQUALITY rule: the key is the value's bytes.
  CHECK(*schema::equality_key(s, attribute("nhsPersonStatus"), " Active") == " Active");
}

TEST_CASE("numeric and telephone rules", "[directory][schema]") {
  CHECK(key("numericStringMatch", " 123 456 ") == "123456");
  CHECK(key("numericStringOrderingMatch", "1 2") == "12");
  CHECK(key("telephoneNumberMatch", "+44 20-7946 0000") == "+442079460000");
  CHECK(*schema::values_equal(real_schema(), attribute("telephoneNumber"), "+44 (0)20 7946-0000",
                              "+44(0)2079460000"));
  // numericStringOrderingMatch orders the space-free strings character by character.
  CHECK(key("numericStringOrderingMatch", "12 3") < key("numericStringOrderingMatch", "124"));
}

TEST_CASE("integer rules order numerically", "[directory][schema]") {
  CHECK(key("integerMatch", "42") == "42");
  CHECK(key("integerMatch", " -7 ") == "-7");
  CHECK(rejects("integerMatch", "abc"));
  CHECK(rejects("integerMatch", "007"));
  CHECK(rejects("integerMatch", "-0"));
  CHECK(rejects("integerMatch", ""));

  const char* ascending[] = {"-100", "-10", "-9",  "0",
                             "9",    "10",  "100", "123456789012345678901234"};
  const auto* rule = schema::find_rule_implementation("integerOrderingMatch");
  REQUIRE(rule->compare != nullptr);
  for (std::size_t i = 0; i + 1 < std::size(ascending); ++i) {
    INFO(ascending[i] << " < " << ascending[i + 1]);
    CHECK(rule->compare(ascending[i], ascending[i + 1]) < 0);
    CHECK(rule->compare(ascending[i + 1], ascending[i]) > 0);
    CHECK(rule->compare(ascending[i], ascending[i]) == 0);
  }
}

TEST_CASE("generalized time rules compare instants", "[directory][schema]") {
  CHECK(key("generalizedTimeMatch", "20240101120000Z") == "20240101120000.000000000Z");
  CHECK(key("generalizedTimeMatch", "20240101130000+0100") ==
        key("generalizedTimeMatch", "20240101120000Z"));
  CHECK(key("generalizedTimeMatch", "20240101070000-05") ==
        key("generalizedTimeMatch", "202401011200Z"));
  CHECK(key("generalizedTimeMatch", "2024010112Z") == "20240101120000.000000000Z");
  CHECK(key("generalizedTimeMatch", "2024010112,5Z") == "20240101123000.000000000Z");
  CHECK(key("generalizedTimeMatch", "202401011200.25Z") == "20240101120015.000000000Z");
  CHECK(key("generalizedTimeMatch", "20240101120000.123Z") == "20240101120000.123000000Z");
  CHECK(key("generalizedTimeMatch", "20240101003000+0100") == "20231231233000.000000000Z");
  CHECK(key("generalizedTimeMatch", "20240229235959Z") == "20240229235959.000000000Z");
  CHECK(rejects("generalizedTimeMatch", "20230229120000Z"));
  CHECK(rejects("generalizedTimeMatch", "20240101120000"));
  CHECK(rejects("generalizedTimeMatch", "20241301120000Z"));
  CHECK(rejects("generalizedTimeMatch", "20240101246000Z"));
  CHECK(rejects("generalizedTimeMatch", "20240101120000.Z"));
  CHECK(rejects("generalizedTimeMatch", "20240101120000Zjunk"));

  CHECK(order("createTimestamp", "20240101120000Z", "20240101120001Z") < 0);
  CHECK(order("createTimestamp", "20240101120000.5Z", "20240101120000Z") > 0);
  CHECK(order("createTimestamp", "20240101130000+0100", "20240101120000Z") == 0);
  CHECK(order("createTimestamp", "19991231235959Z", "20000101000000Z") < 0);
}

TEST_CASE("distinguished name rule uses schema", "[directory][schema]") {
  CHECK(key("distinguishedNameMatch", "UID=X , OU=people,o=NHS") ==
        key("distinguishedNameMatch", "uid=x,ou=People,o=nhs"));
  CHECK(key("distinguishedNameMatch", "2.5.4.3=Jane Smith,o=nhs") == "cn=jane smith,o=nhs");
  CHECK(key("distinguishedNameMatch", "commonName=Jane  Smith,O=NHS") == "cn=jane smith,o=nhs");
  // nhsIDCode is caseExactMatch, so its DN values keep their case.
  CHECK(key("distinguishedNameMatch", "nhsIDCode=RVL,o=nhs") !=
        key("distinguishedNameMatch", "nhsidcode=rvl,o=nhs"));
  CHECK(key("distinguishedNameMatch", "cn=a+uid=b") == key("distinguishedNameMatch", "UID=B+CN=A"));
  CHECK(rejects("distinguishedNameMatch", "noSuchType=1,o=nhs"));
  CHECK(rejects("distinguishedNameMatch", "cn=a,,o=nhs"));

  auto key_uniquemember = key("uniqueMemberMatch", "CN=A,O=NHS#'0101'B");
  CHECK(key_uniquemember == "cn=a,o=nhs#'0101'B");
}

TEST_CASE("octet boolean OID UUID rules", "[directory][schema]") {
  CHECK(key("octetStringMatch", std::string("A\0b ", 4)) == std::string("A\0b ", 4));
  // octetStringOrderingMatch orders by unsigned bytes (no comparator means byte order).
  const auto* ordering = schema::find_rule_implementation("octetStringOrderingMatch");
  REQUIRE(ordering != nullptr);
  CHECK(ordering->compare == nullptr);
  CHECK(std::string_view("\x7f").compare(std::string_view("\x80")) < 0);
  CHECK(key("octetStringOrderingMatch", " x ") == " x ");

  CHECK(key("booleanMatch", "TRUE") == "TRUE");
  CHECK(key("booleanMatch", "FALSE") == "FALSE");
  CHECK(rejects("booleanMatch", "true"));
  CHECK(rejects("booleanMatch", "yes"));

  CHECK(key("objectIdentifierMatch", "person") == "2.5.6.6");
  CHECK(key("objectIdentifierMatch", "PERSON") == "2.5.6.6");
  CHECK(key("objectIdentifierMatch", "nhsPerson") == "1.2.826.0.1285.0.2.0.65");
  CHECK(key("objectIdentifierMatch", "commonName") == "2.5.4.3");
  CHECK(key("objectIdentifierMatch", "2.5.6.6") == "2.5.6.6");
  CHECK(key("objectIdentifierMatch", "unknownThing") == "unknownthing");
  CHECK(rejects("objectIdentifierMatch", "not an oid"));
  CHECK(key("objectIdentifierFirstComponentMatch", "( 2.5.4.3 NAME 'cn' SUP name )") == "2.5.4.3");

  CHECK(key("UUIDMatch", "597AE2F6-16A6-1027-98F4-D28B5365DC14") ==
        "597ae2f6-16a6-1027-98f4-d28b5365dc14");
  CHECK(rejects("UUIDMatch", "597ae2f616a6102798f4d28b5365dc14"));
  CHECK(order("entryUUID", "00000000-0000-0000-0000-000000000001",
              "F0000000-0000-0000-0000-000000000000") < 0);
}

TEST_CASE("ordering needs an ordering rule", "[directory][schema]") {
  CHECK(order("dnQualifier", "apple", "Banana") < 0);
  CHECK(order("dnQualifier", "B", "b") == 0);
  auto none = schema::compare_values(real_schema(), attribute("cn"), "a", "b");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == careid::StatusCode::kFailedPrecondition);
  CHECK_THAT(none.status().message(), Catch::Contains("ORDERING"));
}

TEST_CASE("substring rules match parts", "[directory][schema]") {
  using A = schema::SubstringAssertion;
  CHECK(substrings("cn", "Jane  Smith", A{"JANE", {}, std::nullopt}));
  CHECK(substrings("cn", "Jane Smith", A{std::nullopt, {}, "smith"}));
  CHECK(substrings("cn", "Jane Mary Smith", A{"jane", {"MARY"}, "smith"}));
  CHECK(substrings("cn", "Jane Smith", A{"jane ", {}, std::nullopt}));
  CHECK_FALSE(substrings("cn", "Janet Smith", A{"jane ", {}, std::nullopt}));
  CHECK_FALSE(substrings("cn", "Jane Smith", A{"smith", {}, std::nullopt}));
  // Parts must not overlap: "ab" then final "bc" needs "abbc", not "abc".
  CHECK_FALSE(substrings("cn", "abc", A{"ab", {}, "bc"}));
  CHECK(substrings("cn", "abbc", A{"ab", {}, "bc"}));
  CHECK_FALSE(substrings("cn", "a b c", A{std::nullopt, {"c", "b"}, std::nullopt}));

  CHECK(substrings("careidBaseJobRoleCode", "S8000:G8000:R8000", A{"S8000", {}, std::nullopt}));
  CHECK_FALSE(
      substrings("careidBaseJobRoleCode", "S8000:G8000:R8000", A{"s8000", {}, std::nullopt}));
  CHECK(substrings("mail", "Jane.Smith@NHS.net", A{std::nullopt, {}, "@nhs.net"}));
  CHECK(substrings("telephoneNumber", "+44 20 7946 0000", A{"+4420", {"7946-0"}, std::nullopt}));
  CHECK(substrings("x121Address", "1234 5678", A{std::nullopt, {"45"}, std::nullopt}));

  auto none = schema::match_substrings(real_schema(), attribute("nhsJobRoleCode"), "x",
                                       A{"x", {}, std::nullopt});
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == careid::StatusCode::kFailedPrecondition);
}

TEST_CASE("approximate match ignores punctuation", "[directory][schema]") {
  const auto& s = real_schema();
  CHECK(*schema::match_approximately(s, attribute("cn"), "Smith-Jones", "smith jones"));
  CHECK(*schema::match_approximately(s, attribute("cn"), "J. Smith", "j smith"));
  CHECK_FALSE(*schema::match_approximately(s, attribute("cn"), "Smith", "Smyth"));
  // Non-string attributes fall back to equality.
  CHECK(*schema::match_approximately(s, attribute("createTimestamp"), "20240101130000+0100",
                                     "20240101120000Z"));
  CHECK_FALSE(*schema::match_approximately(s, attribute("userPassword"), "a-b", "ab"));
}

TEST_CASE("certificate rule compares issuer and serial", "[directory][schema]") {
  const auto& certificates = careid::testing::same_serial_certificates();
  const std::string stored = key("certificateExactMatch", certificates.stored);
  const std::string reissued = key("certificateExactMatch", certificates.reissued);
  const std::string other = key("certificateExactMatch", certificates.other);

  // RFC 4523 2.5: the key is the serialNumber INTEGER (42 is 02 01 2a) and then the issuer.
  CHECK(stored == reissued);
  CHECK(stored != other);
  CHECK(stored.substr(0, 3) == std::string("\x02\x01\x2a", 3));
  CHECK(stored.size() < certificates.stored.size());
  CHECK(schema::values_equal(real_schema(), attribute("userCertificate"), certificates.stored,
                             certificates.reissued)
            .value());

  // A value that is not a certificate matches only itself.
  const std::string not_a_certificate("\x30\x03\x02\x01\x2a", 5);
  CHECK(key("certificateExactMatch", not_a_certificate) == std::string(1, '\0') + not_a_certificate);
  CHECK(key("certificateExactMatch", not_a_certificate) != stored);
  const std::string truncated = certificates.stored.substr(0, certificates.stored.size() - 1);
  CHECK(key("certificateExactMatch", truncated) == std::string(1, '\0') + truncated);
}
