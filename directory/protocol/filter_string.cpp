// The RFC 4515 string form of search filters.
#include <cctype>
#include <utility>

#include "directory/protocol/filter.h"

namespace careid::directory::protocol {
namespace {

bool is_attribute_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == ';';
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool equals_ignore_case_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

class FilterParser {
 public:
  FilterParser(std::string_view text, const FilterLimits& limits) : text_(text), limits_(limits) {}

  Result<Filter> parse_all();

 private:
  Result<Filter> parse_filter(std::size_t depth);
  Result<Filter> parse_component(std::size_t depth);
  Result<Filter> parse_set(FilterType type, std::size_t depth);
  Result<Filter> parse_item();
  Result<Filter> parse_extensible(std::string attribute);
  Result<Filter> parse_equality_or_substrings(std::string attribute);
  // Reads an assertion value up to ')' or, when `star_ends` is set, an unescaped '*'.
  Result<std::string> parse_value(bool star_ends);
  std::string_view parse_token();

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  Status expect(char c);
  Status error(std::string_view problem) const;

  std::string_view text_;
  const FilterLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t nodes_ = 0;
};

Status FilterParser::error(std::string_view problem) const {
  return Status::invalid_argument("invalid filter at offset " + std::to_string(pos_) + ": " +
                                  std::string(problem));
}

Status FilterParser::expect(char c) {
  if (peek() != c || at_end()) {
    return error(std::string("expected '") + c + "'");
  }
  ++pos_;
  return Status::ok_status();
}

Result<Filter> FilterParser::parse_all() {
  Result<Filter> filter = parse_filter(1);
  if (filter.ok() && !at_end()) {
    return error("unexpected text after the filter");
  }
  return filter;
}

Result<Filter> FilterParser::parse_filter(std::size_t depth) {
  if (depth > limits_.max_depth) {
    return Status::resource_exhausted("filter nesting exceeds the maximum depth of " +
                                      std::to_string(limits_.max_depth));
  }
  if (++nodes_ > limits_.max_nodes) {
    return Status::resource_exhausted("filter has more than " + std::to_string(limits_.max_nodes) +
                                      " elements");
  }
  CAREID_RETURN_IF_ERROR(expect('('));

  Result<Filter> filter = parse_component(depth);
  if (!filter.ok()) {
    return filter;
  }

  CAREID_RETURN_IF_ERROR(expect(')'));
  return filter;
}

// filtercomp = and / or / not / item (RFC 4515 3).
Result<Filter> FilterParser::parse_component(std::size_t depth) {
  char first = peek();
  if (first == '&' || first == '|') {
    ++pos_;
    return parse_set(first == '&' ? FilterType::kAnd : FilterType::kOr, depth);
  }
  if (first == '!') {
    ++pos_;
    Result<Filter> child = parse_filter(depth + 1);
    if (!child.ok()) {
      return child;
    }
    return Filter::make_not(std::move(child).value());
  }
  return parse_item();
}

// RFC 4526 allows an empty filter list, so "(&)" and "(|)" parse.
Result<Filter> FilterParser::parse_set(FilterType type, std::size_t depth) {
  std::vector<Filter> children;
  while (peek() == '(' && !at_end()) {
    if (children.size() >= limits_.max_set_elements) {
      return Status::resource_exhausted("filter and/or has more than " +
                                        std::to_string(limits_.max_set_elements) + " operands");
    }
    Result<Filter> child = parse_filter(depth + 1);
    if (!child.ok()) {
      return child;
    }
    children.push_back(std::move(child).value());
  }
  return type == FilterType::kAnd ? Filter::make_and(std::move(children))
                                  : Filter::make_or(std::move(children));
}

std::string_view FilterParser::parse_token() {
  std::size_t start = pos_;
  while (!at_end() && is_attribute_char(text_[pos_])) {
    ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

Result<Filter> FilterParser::parse_item() {
  std::string attribute(parse_token());
  if (peek() == ':' && !at_end()) {
    return parse_extensible(std::move(attribute));
  }
  if (attribute.empty()) {
    return error("missing attribute description");
  }

  FilterType type = FilterType::kEqualityMatch;
  if (peek() == '~') {
    type = FilterType::kApproxMatch;
  } else if (peek() == '>') {
    type = FilterType::kGreaterOrEqual;
  } else if (peek() == '<') {
    type = FilterType::kLessOrEqual;
  }
  if (type != FilterType::kEqualityMatch) {
    ++pos_;
  }
  CAREID_RETURN_IF_ERROR(expect('='));
  if (type == FilterType::kEqualityMatch) {
    return parse_equality_or_substrings(std::move(attribute));
  }

  Result<std::string> value = parse_value(false);
  if (!value.ok()) {
    return value.status();
  }
  return Filter::make_assertion(type, std::move(attribute), std::move(value).value());
}

// extensible = ( attr [":dn"] [":" oid] ":=" value ) / ( [":dn"] ":" oid ":=" value )
Result<Filter> FilterParser::parse_extensible(std::string attribute) {
  MatchingRuleAssertion assertion;
  if (!attribute.empty()) {
    assertion.type = std::move(attribute);
  }

  while (true) {
    CAREID_RETURN_IF_ERROR(expect(':'));
    if (peek() == '=' && !at_end()) {
      ++pos_;
      break;
    }
    std::string_view token = parse_token();
    if (token.empty()) {
      return error("expected \"dn\", a matching rule or '=' after ':'");
    }
    if (equals_ignore_case_ascii(token, "dn") && !assertion.dn_attributes &&
        !assertion.matching_rule) {
      assertion.dn_attributes = true;
    } else if (!assertion.matching_rule) {
      assertion.matching_rule = std::string(token);
    } else {
      return error("extensible match has more than one matching rule");
    }
  }

  if (!assertion.type && !assertion.matching_rule) {
    return error("extensible match needs an attribute or a matching rule");
  }
  Result<std::string> value = parse_value(false);
  if (!value.ok()) {
    return value.status();
  }
  assertion.match_value = std::move(value).value();
  return Filter::make_extensible(std::move(assertion));
}

Result<Filter> FilterParser::parse_equality_or_substrings(std::string attribute) {
  std::vector<std::string> pieces;
  while (true) {
    Result<std::string> piece = parse_value(true);
    if (!piece.ok()) {
      return piece.status();
    }
    pieces.push_back(std::move(piece).value());
    if (peek() != '*' || at_end()) {
      break;
    }
    ++pos_;
  }

  if (pieces.size() == 1) {
    return Filter::make_assertion(FilterType::kEqualityMatch, std::move(attribute),
                                  std::move(pieces[0]));
  }
  if (pieces.size() == 2 && pieces[0].empty() && pieces[1].empty()) {
    return Filter::make_present(std::move(attribute));
  }

  SubstringFilter substrings;
  substrings.type = std::move(attribute);
  if (!pieces.front().empty()) {
    substrings.initial = std::move(pieces.front());
  }
  if (!pieces.back().empty()) {
    substrings.final_value = std::move(pieces.back());
  }
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    if (pieces[i].empty()) {
      continue;
    }
    if (substrings.any.size() >= limits_.max_substring_any) {
      return Status::resource_exhausted("substring filter has more than " +
                                        std::to_string(limits_.max_substring_any) +
                                        " \"any\" parts");
    }
    substrings.any.push_back(std::move(pieces[i]));
  }
  return Filter::make_substrings(std::move(substrings));
}

// valueencoding (RFC 4515 3): NUL, '(', ')', '*' and '\' appear only as \XX escapes.
Result<std::string> FilterParser::parse_value(bool star_ends) {
  std::string value;
  while (!at_end()) {
    char c = text_[pos_];
    if (c == ')' || (c == '*' && star_ends)) {
      return value;
    }
    if (c == '(' || c == '*' || c == '\0') {
      return error("unescaped '(', '*' or NUL in a value; write it as \\28, \\2a or \\00");
    }
    if (c != '\\') {
      value += c;
      ++pos_;
      continue;
    }
    if (text_.size() - pos_ < 3) {
      return error("incomplete \\XX escape");
    }
    int high = hex_digit_value(text_[pos_ + 1]);
    int low = hex_digit_value(text_[pos_ + 2]);
    if (high < 0 || low < 0) {
      return error("'\\' must be followed by two hex digits");
    }
    value += static_cast<char>(high * 16 + low);
    pos_ += 3;
  }
  return error("missing ')'");
}

void append_escaped(std::string_view value, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : value) {
    auto octet = static_cast<unsigned char>(c);
    bool escape = octet < 0x20 || octet >= 0x7F || c == '(' || c == ')' || c == '*' || c == '\\';
    if (!escape) {
      out += c;
      continue;
    }
    out += '\\';
    out += kHex[octet >> 4];
    out += kHex[octet & 0x0F];
  }
}

void append_filter(const Filter& filter, std::string& out);

void append_children(const Filter& filter, std::string& out) {
  for (const Filter& child : filter.children) {
    append_filter(child, out);
  }
}

void append_filter(const Filter& filter, std::string& out) {
  out += '(';
  switch (filter.type) {
    case FilterType::kAnd:
      out += '&';
      append_children(filter, out);
      break;
    case FilterType::kOr:
      out += '|';
      append_children(filter, out);
      break;
    case FilterType::kNot:
      out += '!';
      append_children(filter, out);
      break;
    case FilterType::kPresent:
      out += filter.assertion.attribute_desc;
      out += "=*";
      break;
    case FilterType::kSubstrings:
      out += filter.substrings.type;
      out += '=';
      append_escaped(filter.substrings.initial.value_or(""), out);
      out += '*';
      for (const std::string& any : filter.substrings.any) {
        append_escaped(any, out);
        out += '*';
      }
      append_escaped(filter.substrings.final_value.value_or(""), out);
      break;
    case FilterType::kExtensibleMatch:
      out += filter.extensible.type.value_or("");
      out += filter.extensible.dn_attributes ? ":dn" : "";
      if (filter.extensible.matching_rule) {
        out += ':';
        out += *filter.extensible.matching_rule;
      }
      out += ":=";
      append_escaped(filter.extensible.match_value, out);
      break;
    default: {
      static constexpr std::string_view kOperators[] = {"", "", "", "=", "", ">=", "<=", "", "~="};
      out += filter.assertion.attribute_desc;
      out += kOperators[static_cast<int>(filter.type)];
      append_escaped(filter.assertion.assertion_value, out);
      break;
    }
  }
  out += ')';
}

}  // namespace

Result<Filter> parse_filter(std::string_view text, const FilterLimits& limits) {
  FilterParser parser(text, limits);
  return parser.parse_all();
}

std::string format_filter(const Filter& filter) {
  std::string out;
  append_filter(filter, out);
  return out;
}

}  // namespace careid::directory::protocol
