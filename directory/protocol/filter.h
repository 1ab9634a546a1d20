// Search filters (RFC 4511 4.5.1.7): the AST, its BER form and its RFC 4515 string form.
//
// Evaluation against entries is not here; it needs the schema's matching rules.
// Decoding is bounded by FilterLimits so that a hostile filter cannot exhaust the stack
// or memory: recursion depth never exceeds max_depth.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/ber/reader.h"
#include "directory/ber/writer.h"

namespace careid::directory::protocol {

// AttributeValueAssertion (RFC 4511 4.1.8).
struct AttributeValueAssertion {
  std::string attribute_desc;
  std::string assertion_value;

  bool operator==(const AttributeValueAssertion&) const = default;
};

// SubstringFilter (RFC 4511 4.5.1.7.2): at most one initial, any number of any, at most
// one final, and at least one of them.
struct SubstringFilter {
  std::string type;
  std::optional<std::string> initial;
  std::vector<std::string> any;
  std::optional<std::string> final_value;  // "final" is a contextual keyword in C++

  bool operator==(const SubstringFilter&) const = default;
};

// MatchingRuleAssertion (RFC 4511 4.5.1.7.7). At least one of matching_rule and type is set.
struct MatchingRuleAssertion {
  std::optional<std::string> matching_rule;
  std::optional<std::string> type;
  std::string match_value;
  bool dn_attributes = false;

  bool operator==(const MatchingRuleAssertion&) const = default;
};

enum class FilterType {
  kAnd = 0,
  kOr = 1,
  kNot = 2,
  kEqualityMatch = 3,
  kSubstrings = 4,
  kGreaterOrEqual = 5,
  kLessOrEqual = 6,
  kPresent = 7,
  kApproxMatch = 8,
  kExtensibleMatch = 9,
};

// One filter node. The enum values equal the BER context tag numbers. Only the members
// for `type` are meaningful:
//   kAnd, kOr: children (empty is the RFC 4526 absolute true "(&)" or false "(|)");
//   kNot: children, exactly one;
//   kEqualityMatch, kGreaterOrEqual, kLessOrEqual, kApproxMatch: assertion;
//   kPresent: assertion.attribute_desc;
//   kSubstrings: substrings;  kExtensibleMatch: extensible.
struct Filter {
  FilterType type = FilterType::kPresent;
  std::vector<Filter> children;
  AttributeValueAssertion assertion;
  SubstringFilter substrings;
  MatchingRuleAssertion extensible;

  bool operator==(const Filter&) const = default;

  static Filter make_and(std::vector<Filter> children);
  static Filter make_or(std::vector<Filter> children);
  static Filter make_not(Filter child);
  static Filter make_present(std::string attribute_desc);
  // `type` must be one of the four AttributeValueAssertion types.
  static Filter make_assertion(FilterType type, std::string attribute_desc, std::string value);
  static Filter make_substrings(SubstringFilter substrings);
  static Filter make_extensible(MatchingRuleAssertion assertion);
};

// Bounds applied when decoding a filter from BER or from a string. The defaults are
// policy choices: far above what directory clients send, low enough to bound work.
struct FilterLimits {
  std::size_t max_depth = 64;          // nesting of and/or/not, counting the top filter as 1
  std::size_t max_set_elements = 512;  // operands of one and/or
  std::size_t max_nodes = 4096;        // filter nodes in total
  std::size_t max_substring_any = 64;  // "any" parts of one substring filter
};

// Decodes the Filter element at the reader's position, consuming it. Errors are
// kInvalidArgument for malformed BER or structure, and kResourceExhausted when a limit in
// `limits` is exceeded; the message names the problem.
Result<Filter> decode_filter(ber::Reader& reader, const FilterLimits& limits = {});

// Appends the BER encoding of `filter` (RFC 4511 4.5.1.7) to `writer`.
void encode_filter(const Filter& filter, ber::Writer& writer);

// Parses the RFC 4515 string form, e.g. "(&(objectClass=person)(cn=J*n\2a))". Values use
// \XX hex escapes. The RFC 4526 forms "(&)" and "(|)" are accepted. Empty parts of a
// substring ("(cn=a**b)") are dropped. Errors as for decode_filter.
Result<Filter> parse_filter(std::string_view text, const FilterLimits& limits = {});

// Formats `filter` in the RFC 4515 string form. In values, NUL, '(', ')', '*', '\',
// control characters and all octets of 0x80 and above are written as \XX. The output is
// therefore printable ASCII and safe to log, and parse_filter() reads it back unchanged.
std::string format_filter(const Filter& filter);

}  // namespace careid::directory::protocol
