// Validators for LDAP syntaxes (RFC 4517 3.3, RFC 4530 for UUID).
//
// Implemented, by OID under 1.3.6.1.4.1.1466.115.121.1 unless noted:
//   .5 Binary, .8 Certificate, .9 Certificate List, .10 Certificate Pair: a DER SEQUENCE
//       whose length covers the value exactly (Binary: any non-empty value)
//   .7 Boolean: "TRUE" or "FALSE"
//   .11 Country String: two Printable String characters
//   .12 Distinguished Name: dn::Dn::parse succeeds
//   .15 Directory String: non-empty, valid UTF-8
//   .24 Generalized Time: RFC 4517 3.3.13, with time zone
//   .26 IA5 String: bytes 0-127 (may be empty)
//   .27 Integer: optional '-', digits, no leading zero, not "-0"
//   .36 Numeric String: digits and spaces, at least one character
//   .38 OID: a descriptor or a numeric OID
//   .40 Octet String: anything
//   .41 Postal Address: '$'-separated non-empty UTF-8 lines, '\' only in "\24" and "\5C"
//   .44 Printable String: A-Z a-z 0-9 and ' ( ) + , - . = / : ? space, non-empty
//   .50 Telephone Number: non-empty Printable String
//   1.3.6.1.1.16.1 UUID: 8-4-4-4-12 hex digits (RFC 4122)
// Any other syntax, including those a schema file defines but careid does not implement,
// accepts every value: its validator is null and validate_value returns OK.
#pragma once

#include <string_view>

#include "base/status.h"
#include "directory/schema/schema.h"

namespace careid::directory::schema {

// Returns the validator for the syntax with numeric OID `oid`, or null when careid has none.
SyntaxValidator find_syntax_validator(std::string_view oid);

// Checks `value` against `type`'s syntax. InvalidArgument names the syntax rule that failed,
// e.g. "not a valid Integer: leading zero"; OK for syntaxes without a validator.
Status validate_value(const Schema& schema, const AttributeType& type, std::string_view value);

// OIDs of the syntaxes careid validates, by their RFC 4517 names.
namespace syntax_oid {
inline constexpr std::string_view kBinary = "1.3.6.1.4.1.1466.115.121.1.5";
inline constexpr std::string_view kBoolean = "1.3.6.1.4.1.1466.115.121.1.7";
inline constexpr std::string_view kCertificate = "1.3.6.1.4.1.1466.115.121.1.8";
inline constexpr std::string_view kCertificateList = "1.3.6.1.4.1.1466.115.121.1.9";
inline constexpr std::string_view kCertificatePair = "1.3.6.1.4.1.1466.115.121.1.10";
inline constexpr std::string_view kCountryString = "1.3.6.1.4.1.1466.115.121.1.11";
inline constexpr std::string_view kDistinguishedName = "1.3.6.1.4.1.1466.115.121.1.12";
inline constexpr std::string_view kDirectoryString = "1.3.6.1.4.1.1466.115.121.1.15";
inline constexpr std::string_view kGeneralizedTime = "1.3.6.1.4.1.1466.115.121.1.24";
inline constexpr std::string_view kIa5String = "1.3.6.1.4.1.1466.115.121.1.26";
inline constexpr std::string_view kInteger = "1.3.6.1.4.1.1466.115.121.1.27";
inline constexpr std::string_view kNumericString = "1.3.6.1.4.1.1466.115.121.1.36";
inline constexpr std::string_view kOid = "1.3.6.1.4.1.1466.115.121.1.38";
inline constexpr std::string_view kOctetString = "1.3.6.1.4.1.1466.115.121.1.40";
inline constexpr std::string_view kPostalAddress = "1.3.6.1.4.1.1466.115.121.1.41";
inline constexpr std::string_view kPrintableString = "1.3.6.1.4.1.1466.115.121.1.44";
inline constexpr std::string_view kTelephoneNumber = "1.3.6.1.4.1.1466.115.121.1.50";
inline constexpr std::string_view kUuid = "1.3.6.1.1.16.1";
}  // namespace syntax_oid

}  // namespace careid::directory::schema
