// The implemented matching rules (RFC 4517 4.2, RFC 4530 2.3, RFC 4523 2.5): one normaliser
// and, where ordering needs more than byte order, one comparator each.
#include <array>

#include "directory/dn/dn.h"
#include "directory/schema/certificate_key.h"
#include "directory/schema/matching.h"
#include "directory/schema/unicode_fold.h"
#include "directory/schema/value_forms.h"

namespace careid::directory::schema {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 4518 2.2-2.4 map, case fold (caseIgnore rules only) and NFKC-normalise the value
// (unicode_fold.h), so "ÉLODIE" and "élodie" match under caseIgnoreMatch. Then 2.2 maps the
// ASCII control spaces to SPACE, and 2.6.1 removes leading and trailing spaces and reduces
// inner runs to one. `trim` is false for substring assertion parts, whose edge spaces mark
// word breaks.
// NOTE: only ASCII whitespace counts as space here; RFC 4518 2.2 also maps the Unicode
// separators that NFKC leaves (U+2028 and U+2029, for example) to SPACE.
std::string prepare_string(std::string_view raw_value, bool fold_case, bool trim) {
  const std::string prepared = prepare_unicode(raw_value, fold_case);
  std::string_view value = prepared;
  std::string out;
  out.reserve(value.size());
  bool pending_space = !trim && !value.empty() && is_space(value.front());
  for (char c : value) {
    if (is_space(c)) {
      pending_space = pending_space || !out.empty() || !trim;
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(fold_case ? to_lower(c) : c);
  }
  if (!trim && pending_space) {
    out.push_back(' ');
  }
  return out;
}

std::string remove_chars(std::string_view value, std::string_view removed, bool fold_case) {
  std::string out;
  for (char c : value) {
    if (removed.find(c) == std::string_view::npos) {
      out.push_back(fold_case ? to_lower(c) : c);
    }
  }
  return out;
}

Result<std::string> normalise_case_ignore(std::string_view value, const Schema&) {
  return prepare_string(value, true, true);
}
Result<std::string> normalise_case_exact(std::string_view value, const Schema&) {
  return prepare_string(value, false, true);
}
std::string part_case_ignore(std::string_view part) { return prepare_string(part, true, false); }
std::string part_case_exact(std::string_view part) { return prepare_string(part, false, false); }

// RFC 4517 4.2.22: spaces are insignificant in numeric strings.
Result<std::string> normalise_numeric(std::string_view value, const Schema&) {
  return remove_chars(value, " ", false);
}
std::string part_numeric(std::string_view part) { return remove_chars(part, " ", false); }

// RFC 4517 4.2.28: telephoneNumberMatch ignores case, spaces and hyphens.
Result<std::string> normalise_telephone(std::string_view value, const Schema&) {
  return remove_chars(value, " -", true);
}
std::string part_telephone(std::string_view part) { return remove_chars(part, " -", true); }

Result<std::string> normalise_octets(std::string_view value, const Schema&) {
  return std::string(value);
}
std::string part_octets(std::string_view part) { return std::string(part); }

// RFC 4523 2.5: certificates match by serial number and issuer (certificate_key.h). A value
// that is not a certificate keeps its bytes behind a 0x00 byte, which no key of a
// certificate starts with (those start with the INTEGER tag 0x02), so it still matches
// only itself.
Result<std::string> normalise_certificate(std::string_view value, const Schema&) {
  auto key = certificate_issuer_serial_key(value);
  if (key.ok()) {
    return key;
  }
  return std::string(1, '\0') + std::string(value);
}

Result<std::string> normalise_integer(std::string_view value, const Schema&) {
  std::string trimmed = prepare_string(value, false, true);
  CAREID_RETURN_IF_ERROR(check_integer(trimmed));
  return trimmed;
}

// Integers in canonical form (no leading zeros) order by sign, then length, then digits.
int compare_integers(std::string_view a, std::string_view b) {
  const bool a_negative = !a.empty() && a[0] == '-';
  const bool b_negative = !b.empty() && b[0] == '-';
  if (a_negative != b_negative) {
    return a_negative ? -1 : 1;
  }
  const std::string_view a_digits = a.substr(a_negative ? 1 : 0);
  const std::string_view b_digits = b.substr(b_negative ? 1 : 0);
  int magnitude = 0;
  if (a_digits.size() != b_digits.size()) {
    magnitude = a_digits.size() < b_digits.size() ? -1 : 1;
  } else {
    magnitude = a_digits.compare(b_digits);
    magnitude = magnitude < 0 ? -1 : (magnitude > 0 ? 1 : 0);
  }
  return a_negative ? -magnitude : magnitude;
}

Result<std::string> normalise_time(std::string_view value, const Schema&) {
  return normalise_generalized_time(value);
}

Result<std::string> normalise_boolean(std::string_view value, const Schema&) {
  if (value != "TRUE" && value != "FALSE") {
    return Status::invalid_argument("not a valid Boolean '" + std::string(value) +
                                    "': expected TRUE or FALSE");
  }
  return std::string(value);
}

Result<std::string> normalise_dn(std::string_view value, const Schema& schema) {
  Result<dn::Dn> parsed = dn::Dn::parse(value);
  if (!parsed.ok()) {
    return parsed.status();
  }
  return parsed->normalise(schema.dn_normaliser());
}

// RFC 4517 4.2.26: a descriptor matches the OID it names, so known names are replaced by
// their numeric OID. Unknown descriptors compare by lower-cased name.
Result<std::string> normalise_oid(std::string_view value, const Schema& schema) {
  const std::string trimmed = prepare_string(value, false, true);
  if (is_numeric_oid(trimmed)) {
    return trimmed;
  }
  if (!is_descriptor(trimmed)) {
    return Status::invalid_argument("not a valid OID '" + trimmed + "'");
  }
  if (const ObjectClass* oc = schema.find_object_class(trimmed)) {
    return oc->definition.oid;
  }
  if (const AttributeType* at = schema.find_attribute_type(trimmed)) {
    return at->definition.oid;
  }
  if (const MatchingRule* rule = schema.find_matching_rule(trimmed)) {
    return rule->definition.oid;
  }
  return prepare_string(trimmed, true, true);
}

// RFC 4512 4.1 values used by the subschema attributes ("( 2.5.4.3 NAME ... )") match an
// assertion on their first component (RFC 4517 4.2.27, 4.2.17).
std::string_view first_component(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && is_space(value[i])) {
    ++i;
  }
  if (i == value.size() || value[i] != '(') {
    return value;
  }
  ++i;
  while (i < value.size() && is_space(value[i])) {
    ++i;
  }
  const std::size_t start = i;
  while (i < value.size() && !is_space(value[i]) && value[i] != ')') {
    ++i;
  }
  return value.substr(start, i - start);
}

Result<std::string> normalise_oid_first_component(std::string_view value, const Schema& schema) {
  return normalise_oid(first_component(value), schema);
}

Result<std::string> normalise_integer_first_component(std::string_view value,
                                                      const Schema& schema) {
  return normalise_integer(first_component(value), schema);
}

// RFC 4530 2.3: UUIDs compare as 16-byte values, so hex case is insignificant.
Result<std::string> normalise_uuid(std::string_view value, const Schema&) {
  if (!is_uuid(value)) {
    return Status::invalid_argument("not a valid UUID '" + std::string(value) + "'");
  }
  return remove_chars(value, "", true);
}

// RFC 4517 4.2.3: caseIgnoreListMatch compares line by line with caseIgnoreMatch.
Result<std::string> normalise_case_ignore_list(std::string_view value, const Schema&) {
  Result<std::vector<std::string>> lines = split_postal_address(value);
  if (!lines.ok()) {
    return lines.status();
  }
  std::string out;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    out += (i == 0 ? "" : "$") + prepare_string((*lines)[i], true, true);
  }
  return out;
}

// RFC 4517 4.2.31: "<dn>#'0101'B" matches when the DNs match and the optional UIDs agree.
Result<std::string> normalise_unique_member(std::string_view value, const Schema& schema) {
  std::string_view name = value;
  std::string_view uid;
  const std::size_t hash = value.rfind('#');
  if (hash != std::string_view::npos && value.size() - hash >= 4 && value[hash + 1] == '\'' &&
      value.substr(value.size() - 2) == "'B") {
    name = value.substr(0, hash);
    uid = value.substr(hash);
  }
  Result<std::string> normal = normalise_dn(name, schema);
  if (!normal.ok()) {
    return normal.status();
  }
  return *normal + std::string(uid);
}

constexpr auto kEq = RuleUsage::kEquality;
constexpr auto kOrd = RuleUsage::kOrdering;
constexpr auto kSub = RuleUsage::kSubstrings;

constexpr std::array<RuleImplementation, 38> kRules = {{
    {"caseIgnoreMatch", kEq, &normalise_case_ignore, nullptr, nullptr},
    {"caseIgnoreOrderingMatch", kOrd, &normalise_case_ignore, nullptr, nullptr},
    {"caseIgnoreSubstringsMatch", kSub, &normalise_case_ignore, nullptr, &part_case_ignore},
    {"caseExactMatch", kEq, &normalise_case_exact, nullptr, nullptr},
    {"caseExactOrderingMatch", kOrd, &normalise_case_exact, nullptr, nullptr},
    {"caseExactSubstringsMatch", kSub, &normalise_case_exact, nullptr, &part_case_exact},
    {"caseIgnoreIA5Match", kEq, &normalise_case_ignore, nullptr, nullptr},
    {"caseIgnoreIA5SubstringsMatch", kSub, &normalise_case_ignore, nullptr, &part_case_ignore},
    {"caseExactIA5Match", kEq, &normalise_case_exact, nullptr, nullptr},
    {"caseExactIA5SubstringsMatch", kSub, &normalise_case_exact, nullptr, &part_case_exact},
    {"caseIgnoreListMatch", kEq, &normalise_case_ignore_list, nullptr, nullptr},
    {"caseIgnoreListSubstringsMatch", kSub, &normalise_case_ignore_list, nullptr,
     &part_case_ignore},
    {"numericStringMatch", kEq, &normalise_numeric, nullptr, nullptr},
    {"numericStringOrderingMatch", kOrd, &normalise_numeric, nullptr, nullptr},
    {"numericStringSubstringsMatch", kSub, &normalise_numeric, nullptr, &part_numeric},
    {"telephoneNumberMatch", kEq, &normalise_telephone, nullptr, nullptr},
    {"telephoneNumberSubstringsMatch", kSub, &normalise_telephone, nullptr, &part_telephone},
    {"integerMatch", kEq, &normalise_integer, nullptr, nullptr},
    {"integerOrderingMatch", kOrd, &normalise_integer, &compare_integers, nullptr},
    {"integerFirstComponentMatch", kEq, &normalise_integer_first_component, nullptr, nullptr},
    {"generalizedTimeMatch", kEq, &normalise_time, nullptr, nullptr},
    {"generalizedTimeOrderingMatch", kOrd, &normalise_time, nullptr, nullptr},
    {"distinguishedNameMatch", kEq, &normalise_dn, nullptr, nullptr},
    {"uniqueMemberMatch", kEq, &normalise_unique_member, nullptr, nullptr},
    {"octetStringMatch", kEq, &normalise_octets, nullptr, nullptr},
    {"octetStringOrderingMatch", kOrd, &normalise_octets, nullptr, nullptr},
    {"octetStringSubstringsMatch", kSub, &normalise_octets, nullptr, &part_octets},
    {"bitStringMatch", kEq, &normalise_octets, nullptr, nullptr},
    {"certificateExactMatch", kEq, &normalise_certificate, nullptr, nullptr},
    {"certificateListExactMatch", kEq, &normalise_octets, nullptr, nullptr},
    {"presentationAddressMatch", kEq, &normalise_octets, nullptr, nullptr},
    {"protocolInformationMatch", kEq, &normalise_octets, nullptr, nullptr},
    {"booleanMatch", kEq, &normalise_boolean, nullptr, nullptr},
    {"objectIdentifierMatch", kEq, &normalise_oid, nullptr, nullptr},
    {"objectIdentifierFirstComponentMatch", kEq, &normalise_oid_first_component, nullptr, nullptr},
    {"UUIDMatch", kEq, &normalise_uuid, nullptr, nullptr},
    {"UUIDOrderingMatch", kOrd, &normalise_uuid, nullptr, nullptr},
    {"rdnMatch", kEq, &normalise_dn, nullptr, nullptr},
}};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

const RuleImplementation* find_rule_implementation(std::string_view name) {
  for (const RuleImplementation& rule : kRules) {
    if (equals_ignore_case(rule.name, name)) {
      return &rule;
    }
  }
  return nullptr;
}

std::vector<std::string_view> implemented_rule_names() {
  std::vector<std::string_view> names;
  for (const RuleImplementation& rule : kRules) {
    names.push_back(rule.name);
  }
  return names;
}

}  // namespace careid::directory::schema
