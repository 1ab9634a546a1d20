#include "directory/schema/syntax.h"

#include <array>
#include <utility>

#include "directory/dn/dn.h"
#include "directory/dn/utf8.h"
#include "directory/schema/value_forms.h"

namespace careid::directory::schema {
namespace {

Status invalid(std::string_view syntax, const std::string& problem) {
  return Status::invalid_argument("not a valid " + std::string(syntax) + ": " + problem);
}

Status validate_directory_string(std::string_view value, const Schema&) {
  if (value.empty()) {
    return invalid("Directory String", "empty value");
  }
  if (!dn::is_valid_utf8(value)) {
    return invalid("Directory String", "invalid UTF-8");
  }
  return Status::ok_status();
}

Status validate_ia5_string(std::string_view value, const Schema&) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) > 0x7F) {
      return invalid("IA5 String", "only ASCII characters are allowed");
    }
  }
  return Status::ok_status();
}

Status validate_printable_string(std::string_view value, const Schema&) {
  if (value.empty()) {
    return invalid("Printable String", "empty value");
  }
  for (char c : value) {
    if (!is_printable_character(c)) {
      return invalid("Printable String", std::string("character '") + c + "' is not allowed");
    }
  }
  return Status::ok_status();
}

Status validate_country_string(std::string_view value, const Schema& schema) {
  if (value.size() != 2) {
    return invalid("Country String", "expected a two-letter ISO 3166 code");
  }
  return validate_printable_string(value, schema);
}

// RFC 4517 3.3.31 recommends E.123 form but requires only a Printable String.
Status validate_telephone_number(std::string_view value, const Schema&) {
  if (value.empty()) {
    return invalid("Telephone Number", "empty value");
  }
  for (char c : value) {
    if (!is_printable_character(c)) {
      return invalid("Telephone Number", std::string("character '") + c + "' is not allowed");
    }
  }
  return Status::ok_status();
}

Status validate_numeric_string(std::string_view value, const Schema&) {
  if (value.empty()) {
    return invalid("Numeric String", "empty value");
  }
  for (char c : value) {
    if ((c < '0' || c > '9') && c != ' ') {
      return invalid("Numeric String", "only digits and spaces are allowed");
    }
  }
  return Status::ok_status();
}

Status validate_integer(std::string_view value, const Schema&) { return check_integer(value); }

Status validate_boolean(std::string_view value, const Schema&) {
  if (value != "TRUE" && value != "FALSE") {
    return invalid("Boolean", "expected TRUE or FALSE in upper case");
  }
  return Status::ok_status();
}

Status validate_generalized_time(std::string_view value, const Schema&) {
  Result<std::string> normal = normalise_generalized_time(value);
  return normal.ok() ? Status::ok_status() : normal.status();
}

Status validate_dn(std::string_view value, const Schema&) {
  Result<dn::Dn> parsed = dn::Dn::parse(value);
  if (!parsed.ok()) {
    return invalid("Distinguished Name", parsed.status().message());
  }
  return Status::ok_status();
}

Status validate_oid(std::string_view value, const Schema&) {
  if (!is_numeric_oid(value) && !is_descriptor(value)) {
    return invalid("OID", "expected a name such as 'person' or a numeric OID such as 2.5.6.6");
  }
  return Status::ok_status();
}

Status validate_octet_string(std::string_view, const Schema&) { return Status::ok_status(); }

Status validate_binary(std::string_view value, const Schema&) {
  if (value.empty()) {
    return invalid("Binary", "empty value");
  }
  return Status::ok_status();
}

// X.509 values (RFC 4523 2) are DER: a SEQUENCE (tag 0x30) whose definite length accounts
// for every remaining byte. This catches text pasted in place of a certificate without
// decoding it; pki/ parses certificates properly.
Status validate_der_sequence(std::string_view value, const Schema&) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(value[i]); };
  if (value.size() < 2 || byte(0) != 0x30) {
    return invalid("Certificate", "expected a DER SEQUENCE; send the value with ;binary");
  }

  std::size_t length = byte(1);
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t count = length & 0x7F;
    if (count == 0 || count > 4 || value.size() < 2 + count) {
      return invalid("Certificate", "malformed DER length");
    }
    length = 0;
    for (std::size_t i = 0; i < count; ++i) {
      length = (length << 8) | byte(2 + i);
    }
    header += count;
  }
  if (header + length != value.size()) {
    return invalid("Certificate", "DER length does not match the value size");
  }
  return Status::ok_status();
}

Status validate_postal_address(std::string_view value, const Schema&) {
  Result<std::vector<std::string>> lines = split_postal_address(value);
  return lines.ok() ? Status::ok_status() : lines.status();
}

Status validate_uuid(std::string_view value, const Schema&) {
  if (!is_uuid(value)) {
    return invalid("UUID",
                   "expected 8-4-4-4-12 hex digits, e.g. 597ae2f6-16a6-1027-98f4-d28b5365dc14");
  }
  return Status::ok_status();
}

constexpr std::array<std::pair<std::string_view, SyntaxValidator>, 18> kValidators = {{
    {syntax_oid::kBinary, &validate_binary},
    {syntax_oid::kBoolean, &validate_boolean},
    {syntax_oid::kCertificate, &validate_der_sequence},
    {syntax_oid::kCertificateList, &validate_der_sequence},
    {syntax_oid::kCertificatePair, &validate_der_sequence},
    {syntax_oid::kCountryString, &validate_country_string},
    {syntax_oid::kDistinguishedName, &validate_dn},
    {syntax_oid::kDirectoryString, &validate_directory_string},
    {syntax_oid::kGeneralizedTime, &validate_generalized_time},
    {syntax_oid::kIa5String, &validate_ia5_string},
    {syntax_oid::kInteger, &validate_integer},
    {syntax_oid::kNumericString, &validate_numeric_string},
    {syntax_oid::kOid, &validate_oid},
    {syntax_oid::kOctetString, &validate_octet_string},
    {syntax_oid::kPostalAddress, &validate_postal_address},
    {syntax_oid::kPrintableString, &validate_printable_string},
    {syntax_oid::kTelephoneNumber, &validate_telephone_number},
    {syntax_oid::kUuid, &validate_uuid},
}};

}  // namespace

SyntaxValidator find_syntax_validator(std::string_view oid) {
  for (const auto& [syntax, validator] : kValidators) {
    if (syntax == oid) {
      return validator;
    }
  }
  return nullptr;
}

Status validate_value(const Schema& schema, const AttributeType& type, std::string_view value) {
  if (type.syntax == nullptr || type.syntax->validator == nullptr) {
    return Status::ok_status();
  }
  return type.syntax->validator(value, schema);
}

}  // namespace careid::directory::schema
