#include "directory/schema/syntax.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "schema_fixture.h"

namespace schema = careid::directory::schema;
namespace oid = careid::directory::schema::syntax_oid;
using schema::testing::attribute;
using schema::testing::real_schema;

namespace {

struct SyntaxCase {
  std::string_view syntax;
  std::vector<std::string> valid;
  std::vector<std::string> invalid;
};

// A DER SEQUENCE of `length` zero bytes, with the long length form above 127.
std::string der_sequence(std::size_t length) {
  std::string out("\x30", 1);
  if (length < 128) {
    out.push_back(static_cast<char>(length));
  } else {
    out.push_back('\x82');
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  }
  return out + std::string(length, '\0');
}

}  // namespace

TEST_CASE("syntax validators accept and reject", "[directory][schema]") {
  const SyntaxCase cases[] = {
      {oid::kDirectoryString, {"Jane Smith", "Zo\xC3\xAB", " "}, {"", "\xC3", "\xFF"}},
      {oid::kIa5String, {"jane@nhs.net", ""}, {"jan\xC3\xA9@nhs.net"}},
      {oid::kPrintableString, {"AB12 '()+,-./:=?"}, {"", "a@b", "a_b", "caf\xC3\xA9"}},
      {oid::kNumericString, {"123 456", "0"}, {"", "12a", "-1"}},
      {oid::kTelephoneNumber, {"+44 20 7946 0000", "(0113) 496-0000"}, {"", "+44 #123"}},
      {oid::kInteger,
       {"0", "-1", "42", "123456789012345678901234567890"},
       {"", "-", "01", "-0", "1.5", "+1", " 1"}},
      {oid::kBoolean, {"TRUE", "FALSE"}, {"true", "False", "1", ""}},
      {oid::kGeneralizedTime,
       {"20240101120000Z", "2024010112Z", "20240101120000.5+0130", "199912312359-05"},
       {"20240101120000", "2024-01-01", "20240230120000Z", "20240101120000+2400", ""}},
      {oid::kDistinguishedName, {"uid=1,ou=People,o=nhs", ""}, {"uid", "cn=a;b"}},
      {oid::kOid, {"2.5.4.3", "cn", "nhs-code"}, {"", "2.", "1", "-cn", "2.05"}},
      {oid::kOctetString, {"", std::string("\0\xFF", 2)}, {}},
      {oid::kBinary, {std::string("\0", 1)}, {""}},
      {oid::kCertificate,
       {der_sequence(3), der_sequence(300)},
       {"", "MIIB", std::string("\x30\x05\x00", 3), std::string("\x31\x00", 2),
        std::string("\x30\x80", 2), der_sequence(300).substr(0, 200)}},
      {oid::kUuid,
       {"597ae2f6-16a6-1027-98f4-d28b5365dc14", "597AE2F6-16A6-1027-98F4-D28B5365DC14"},
       {"597ae2f616a6102798f4d28b5365dc14", "597ae2f6-16a6-1027-98f4-d28b5365dc1g", ""}},
      {oid::kPostalAddress,
       {"1 High Street$Leeds$LS1 1AA", "Unit \\24 5$Leeds", "a\\5Cb"},
       {"", "Leeds$", "$Leeds", "a\\b", "a$$b", "\xC3"}},
      {oid::kCountryString, {"GB"}, {"GBR", "G", "G@"}},
  };
  for (const SyntaxCase& c : cases) {
    schema::SyntaxValidator validator = schema::find_syntax_validator(c.syntax);
    INFO("syntax " << c.syntax);
    REQUIRE(validator != nullptr);
    for (const std::string& value : c.valid) {
      INFO("valid value '" << value << "'");
      careid::Status status = validator(value, real_schema());
      CHECK(status.message() == "");
    }
    for (const std::string& value : c.invalid) {
      INFO("invalid value '" << value << "'");
      careid::Status status = validator(value, real_schema());
      CHECK(status.code() == careid::StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("syntax errors say what is wrong", "[directory][schema]") {
  auto validator = schema::find_syntax_validator(oid::kInteger);
  CHECK_THAT(validator("007", real_schema()).message(), Catch::Contains("leading zero"));
  CHECK_THAT(schema::find_syntax_validator(oid::kBoolean)("yes", real_schema()).message(),
             Catch::Contains("TRUE or FALSE"));
}

TEST_CASE("unknown syntax accepts any value", "[directory][schema]") {
  // Delivery Method (1.14) is defined in schemas/ but has no validator.
  CHECK(schema::find_syntax_validator("1.3.6.1.4.1.1466.115.121.1.14") == nullptr);
  CHECK(
      schema::validate_value(real_schema(), attribute("preferredDeliveryMethod"), "anything at all")
          .ok());
  CHECK_FALSE(schema::validate_value(real_schema(), attribute("cn"), "").ok());
  CHECK_FALSE(schema::validate_value(real_schema(), attribute("mail"), "jan\xC3\xA9@nhs.net").ok());
}
