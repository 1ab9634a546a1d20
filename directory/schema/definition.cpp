// Parsing and printing of RFC 4512 4.1 description strings.
#include "directory/schema/definition.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace careid::directory::schema {
namespace {

// The value form after a keyword (RFC 4512 4.1): none, one or several qdstrings, one or
// several OIDs, or one bare word (USAGE).
enum class ValueKind { kFlag, kQdstring, kQdstrings, kOid, kOids, kWord };

using KeywordTable = std::map<std::string, ValueKind, std::less<>>;

struct Token {
  enum Kind { kOpen, kClose, kQuoted, kWord } kind;
  std::string text;
};

struct ParsedFields {
  std::string oid;
  std::map<std::string, std::vector<std::string>, std::less<>> fields;
  std::vector<Extension> extensions;
};

std::string to_upper_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

// RFC 4512 4.1: inside a qdstring, "\27" is "'" and "\5C" is "\".
std::string unescape_qdstring(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 2 < raw.size()) {
      const std::string code = to_upper_ascii(raw.substr(i + 1, 2));
      if (code == "27" || code == "5C") {
        out.push_back(code == "27" ? '\'' : '\\');
        i += 2;
        continue;
      }
    }
    out.push_back(raw[i]);
  }
  return out;
}

std::string escape_qdstring(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') {
      out.append("\\27");
    } else if (c == '\\') {
      out.append("\\5C");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::vector<Token>> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '(' || c == ')') {
      tokens.push_back({c == '(' ? Token::kOpen : Token::kClose, std::string(1, c)});
      ++i;
    } else if (c == '\'') {
      const std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return Status::invalid_argument("unterminated quoted string at offset " +
                                        std::to_string(i));
      }
      tokens.push_back({Token::kQuoted, unescape_qdstring(text.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else {
      const std::size_t start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
             text[i] != '\r' && text[i] != '(' && text[i] != ')' && text[i] != '\'') {
        ++i;
      }
      tokens.push_back({Token::kWord, std::string(text.substr(start, i - start))});
    }
  }
  return tokens;
}

class FieldReader {
 public:
  FieldReader(std::vector<Token> tokens, const KeywordTable& table)
      : tokens_(std::move(tokens)), table_(table) {}

  Result<ParsedFields> read() {
    ParsedFields parsed;
    if (!take_open()) {
      return Status::invalid_argument("definition must start with '('");
    }
    if (at_end() || tokens_[pos_].kind != Token::kWord) {
      return Status::invalid_argument("definition must start with a numeric OID");
    }
    parsed.oid = tokens_[pos_++].text;
    if (parsed.oid.empty() || !std::all_of(parsed.oid.begin(), parsed.oid.end(), [](char c) {
          return (c >= '0' && c <= '9') || c == '.';
        })) {
      return Status::invalid_argument("'" + parsed.oid +
                                      "' is not a numeric OID; OID macros are not supported");
    }

    while (!at_end() && tokens_[pos_].kind != Token::kClose) {
      CAREID_RETURN_IF_ERROR(read_field(parsed));
    }
    if (at_end()) {
      return Status::invalid_argument("missing ')' at end of definition");
    }
    ++pos_;
    if (!at_end()) {
      return Status::invalid_argument("text after the closing ')': '" + tokens_[pos_].text + "'");
    }
    return parsed;
  }

 private:
  Status read_field(ParsedFields& parsed) {
    if (tokens_[pos_].kind != Token::kWord) {
      return Status::invalid_argument("expected a keyword but found '" + tokens_[pos_].text + "'");
    }
    const std::string keyword = to_upper_ascii(tokens_[pos_++].text);

    if (keyword.rfind("X-", 0) == 0) {
      Result<std::vector<std::string>> values = read_values(ValueKind::kQdstrings, keyword);
      if (!values.ok()) {
        return values.status();
      }
      parsed.extensions.emplace_back(keyword, std::move(values).value());
      return Status::ok_status();
    }

    auto entry = table_.find(keyword);
    if (entry == table_.end()) {
      return Status::invalid_argument("unknown keyword '" + keyword + "'");
    }
    if (parsed.fields.count(keyword) > 0) {
      return Status::invalid_argument("keyword '" + keyword + "' appears twice");
    }
    Result<std::vector<std::string>> values = read_values(entry->second, keyword);
    if (!values.ok()) {
      return values.status();
    }
    parsed.fields.emplace(keyword, std::move(values).value());
    return Status::ok_status();
  }

  Result<std::vector<std::string>> read_values(ValueKind kind, const std::string& keyword) {
    switch (kind) {
      case ValueKind::kFlag:
        return std::vector<std::string>{};
      case ValueKind::kQdstring:
      case ValueKind::kOid:
      case ValueKind::kWord: {
        const Token::Kind expected = kind == ValueKind::kQdstring ? Token::kQuoted : Token::kWord;
        if (at_end() || tokens_[pos_].kind != expected) {
          return missing_value(keyword);
        }
        return std::vector<std::string>{tokens_[pos_++].text};
      }
      case ValueKind::kQdstrings:
        return read_list(Token::kQuoted, keyword);
      case ValueKind::kOids:
        return read_list(Token::kWord, keyword);
    }
    return missing_value(keyword);
  }

  // qdstrings = qdstring / ( LPAREN qdstringlist RPAREN ); oids = oid / ( oidlist ) with
  // '$' between OIDs (RFC 4512 4.1). A missing '$' is tolerated.
  Result<std::vector<std::string>> read_list(Token::Kind item, const std::string& keyword) {
    std::vector<std::string> values;
    if (!take_open()) {
      if (at_end() || tokens_[pos_].kind != item) {
        return missing_value(keyword);
      }
      values.push_back(tokens_[pos_++].text);
      return values;
    }
    while (!at_end() && tokens_[pos_].kind != Token::kClose) {
      const Token& token = tokens_[pos_++];
      if (item == Token::kWord && token.kind == Token::kWord && token.text == "$") {
        continue;
      }
      if (token.kind != item) {
        return Status::invalid_argument("unexpected '" + token.text + "' in list after " + keyword);
      }
      values.push_back(token.text);
    }
    if (at_end()) {
      return Status::invalid_argument("missing ')' after list of " + keyword);
    }
    ++pos_;
    if (values.empty()) {
      return Status::invalid_argument("empty list after " + keyword);
    }
    return values;
  }

  static Status missing_value(const std::string& keyword) {
    return Status::invalid_argument("missing or malformed value after " + keyword);
  }

  bool take_open() {
    if (!at_end() && tokens_[pos_].kind == Token::kOpen) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool at_end() const { return pos_ >= tokens_.size(); }

  std::vector<Token> tokens_;
  const KeywordTable& table_;
  std::size_t pos_ = 0;
};

Result<ParsedFields> parse_fields(std::string_view text, const KeywordTable& table) {
  Result<std::vector<Token>> tokens = tokenize(text);
  if (!tokens.ok()) {
    return tokens.status();
  }
  return FieldReader(std::move(tokens).value(), table).read();
}

const std::vector<std::string>* field(const ParsedFields& parsed, std::string_view keyword) {
  auto it = parsed.fields.find(keyword);
  return it == parsed.fields.end() ? nullptr : &it->second;
}

std::string first_value(const ParsedFields& parsed, std::string_view keyword) {
  const std::vector<std::string>* values = field(parsed, keyword);
  return values == nullptr || values->empty() ? std::string() : values->front();
}

bool has_flag(const ParsedFields& parsed, std::string_view keyword) {
  return field(parsed, keyword) != nullptr;
}

std::vector<std::string> all_values(const ParsedFields& parsed, std::string_view keyword) {
  const std::vector<std::string>* values = field(parsed, keyword);
  return values == nullptr ? std::vector<std::string>{} : *values;
}

// "1.3.6.1.4.1.1466.115.121.1.15{256}" -> OID and bound (RFC 4512 4.1.2 noidlen).
Status split_syntax(const std::string& noidlen, std::string& oid, std::size_t& length) {
  const std::size_t brace = noidlen.find('{');
  if (brace == std::string::npos) {
    oid = noidlen;
    length = 0;
    return Status::ok_status();
  }
  if (noidlen.back() != '}') {
    return Status::invalid_argument("malformed SYNTAX '" + noidlen + "': expected '}'");
  }
  oid = noidlen.substr(0, brace);
  const char* begin = noidlen.data() + brace + 1;
  const char* end = noidlen.data() + noidlen.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, end, length);
  if (ec != std::errc() || ptr != end) {
    return Status::invalid_argument("malformed SYNTAX length in '" + noidlen + "'");
  }
  return Status::ok_status();
}

Result<Usage> parse_usage(const std::string& word) {
  const std::string upper = to_upper_ascii(word);
  if (upper == "USERAPPLICATIONS") {
    return Usage::kUserApplications;
  }
  if (upper == "DIRECTORYOPERATION") {
    return Usage::kDirectoryOperation;
  }
  if (upper == "DISTRIBUTEDOPERATION") {
    return Usage::kDistributedOperation;
  }
  if (upper == "DSAOPERATION") {
    return Usage::kDsaOperation;
  }
  return Status::invalid_argument("unknown USAGE '" + word + "'");
}

// Printing helpers: each appends " KEYWORD value" when the field is present.
void put_names(std::string& out, const std::vector<std::string>& names) {
  if (names.empty()) {
    return;
  }
  if (names.size() == 1) {
    out += " NAME '" + escape_qdstring(names[0]) + "'";
    return;
  }
  out += " NAME (";
  for (const std::string& name : names) {
    out += " '" + escape_qdstring(name) + "'";
  }
  out += " )";
}

void put_string(std::string& out, const char* keyword, const std::string& value) {
  if (!value.empty()) {
    out += std::string(" ") + keyword + " '" + escape_qdstring(value) + "'";
  }
}

void put_word(std::string& out, const char* keyword, const std::string& value) {
  if (!value.empty()) {
    out += std::string(" ") + keyword + " " + value;
  }
}

void put_oids(std::string& out, const char* keyword, const std::vector<std::string>& oids) {
  if (oids.empty()) {
    return;
  }
  out += std::string(" ") + keyword + " ";
  if (oids.size() == 1) {
    out += oids[0];
    return;
  }
  out += "(";
  for (std::size_t i = 0; i < oids.size(); ++i) {
    out += (i == 0 ? " " : " $ ") + oids[i];
  }
  out += " )";
}

void put_extensions(std::string& out, const std::vector<Extension>& extensions) {
  for (const auto& [name, values] : extensions) {
    out += " " + name;
    if (values.size() == 1) {
      out += " '" + escape_qdstring(values[0]) + "'";
      continue;
    }
    out += " (";
    for (const std::string& value : values) {
      out += " '" + escape_qdstring(value) + "'";
    }
    out += " )";
  }
}

}  // namespace

Result<AttributeTypeDefinition> parse_attribute_type(std::string_view text) {
  static const KeywordTable kTable = {
      {"NAME", ValueKind::kQdstrings},
      {"DESC", ValueKind::kQdstring},
      {"OBSOLETE", ValueKind::kFlag},
      {"SUP", ValueKind::kOid},
      {"EQUALITY", ValueKind::kOid},
      {"ORDERING", ValueKind::kOid},
      {"SUBSTR", ValueKind::kOid},
      {"SYNTAX", ValueKind::kOid},
      {"SINGLE-VALUE", ValueKind::kFlag},
      {"COLLECTIVE", ValueKind::kFlag},
      {"NO-USER-MODIFICATION", ValueKind::kFlag},
      {"USAGE", ValueKind::kWord},
  };
  Result<ParsedFields> parsed = parse_fields(text, kTable);
  if (!parsed.ok()) {
    return parsed.status();
  }

  AttributeTypeDefinition d;
  d.oid = parsed->oid;
  d.names = all_values(*parsed, "NAME");
  d.description = first_value(*parsed, "DESC");
  d.obsolete = has_flag(*parsed, "OBSOLETE");
  d.superior = first_value(*parsed, "SUP");
  d.equality = first_value(*parsed, "EQUALITY");
  d.ordering = first_value(*parsed, "ORDERING");
  d.substr = first_value(*parsed, "SUBSTR");
  if (has_flag(*parsed, "SYNTAX")) {
    CAREID_RETURN_IF_ERROR(split_syntax(first_value(*parsed, "SYNTAX"), d.syntax, d.syntax_length));
  }
  d.single_value = has_flag(*parsed, "SINGLE-VALUE");
  d.collective = has_flag(*parsed, "COLLECTIVE");
  d.no_user_modification = has_flag(*parsed, "NO-USER-MODIFICATION");
  if (has_flag(*parsed, "USAGE")) {
    Result<Usage> usage = parse_usage(first_value(*parsed, "USAGE"));
    if (!usage.ok()) {
      return usage.status();
    }
    d.usage = *usage;
  }
  d.extensions = std::move(parsed->extensions);

  // RFC 4512 4.1.2: every attribute type has a superior or a syntax, and
  // NO-USER-MODIFICATION requires an operational usage.
  if (d.superior.empty() && d.syntax.empty()) {
    return Status::invalid_argument("attribute type " + d.oid + " has neither SUP nor SYNTAX");
  }
  if (d.no_user_modification && d.usage == Usage::kUserApplications) {
    return Status::invalid_argument("attribute type " + d.oid +
                                    " is NO-USER-MODIFICATION but has userApplications usage");
  }
  return d;
}

Result<ObjectClassDefinition> parse_object_class(std::string_view text) {
  static const KeywordTable kTable = {
      {"NAME", ValueKind::kQdstrings}, {"DESC", ValueKind::kQdstring},
      {"OBSOLETE", ValueKind::kFlag},  {"SUP", ValueKind::kOids},
      {"ABSTRACT", ValueKind::kFlag},  {"STRUCTURAL", ValueKind::kFlag},
      {"AUXILIARY", ValueKind::kFlag}, {"MUST", ValueKind::kOids},
      {"MAY", ValueKind::kOids},
  };
  Result<ParsedFields> parsed = parse_fields(text, kTable);
  if (!parsed.ok()) {
    return parsed.status();
  }

  ObjectClassDefinition d;
  d.oid = parsed->oid;
  d.names = all_values(*parsed, "NAME");
  d.description = first_value(*parsed, "DESC");
  d.obsolete = has_flag(*parsed, "OBSOLETE");
  d.superiors = all_values(*parsed, "SUP");
  const int kinds = has_flag(*parsed, "ABSTRACT") + has_flag(*parsed, "STRUCTURAL") +
                    has_flag(*parsed, "AUXILIARY");
  if (kinds > 1) {
    return Status::invalid_argument("object class " + d.oid +
                                    " has more than one of ABSTRACT, STRUCTURAL, AUXILIARY");
  }
  if (has_flag(*parsed, "ABSTRACT")) {
    d.kind = ObjectClassKind::kAbstract;
  } else if (has_flag(*parsed, "AUXILIARY")) {
    d.kind = ObjectClassKind::kAuxiliary;
  }
  d.must = all_values(*parsed, "MUST");
  d.may = all_values(*parsed, "MAY");
  d.extensions = std::move(parsed->extensions);
  return d;
}

Result<SyntaxDefinition> parse_syntax(std::string_view text) {
  static const KeywordTable kTable = {{"DESC", ValueKind::kQdstring}};
  Result<ParsedFields> parsed = parse_fields(text, kTable);
  if (!parsed.ok()) {
    return parsed.status();
  }
  return SyntaxDefinition{parsed->oid, first_value(*parsed, "DESC"), std::move(parsed->extensions)};
}

Result<MatchingRuleDefinition> parse_matching_rule(std::string_view text) {
  static const KeywordTable kTable = {
      {"NAME", ValueKind::kQdstrings},
      {"DESC", ValueKind::kQdstring},
      {"OBSOLETE", ValueKind::kFlag},
      {"SYNTAX", ValueKind::kOid},
  };
  Result<ParsedFields> parsed = parse_fields(text, kTable);
  if (!parsed.ok()) {
    return parsed.status();
  }

  MatchingRuleDefinition d;
  d.oid = parsed->oid;
  d.names = all_values(*parsed, "NAME");
  d.description = first_value(*parsed, "DESC");
  d.obsolete = has_flag(*parsed, "OBSOLETE");
  d.syntax = first_value(*parsed, "SYNTAX");
  d.extensions = std::move(parsed->extensions);
  if (d.syntax.empty()) {
    return Status::invalid_argument("matching rule " + d.oid + " has no SYNTAX");
  }
  return d;
}

Result<DitContentRuleDefinition> parse_dit_content_rule(std::string_view text) {
  static const KeywordTable kTable = {
      {"NAME", ValueKind::kQdstrings}, {"DESC", ValueKind::kQdstring}, {"OBSOLETE", ValueKind::kFlag},
      {"AUX", ValueKind::kOids},       {"MUST", ValueKind::kOids},      {"MAY", ValueKind::kOids},
      {"NOT", ValueKind::kOids},
  };
  Result<ParsedFields> parsed = parse_fields(text, kTable);
  if (!parsed.ok()) {
    return parsed.status();
  }

  DitContentRuleDefinition d;
  d.oid = parsed->oid;
  d.names = all_values(*parsed, "NAME");
  d.description = first_value(*parsed, "DESC");
  d.obsolete = has_flag(*parsed, "OBSOLETE");
  d.auxiliaries = all_values(*parsed, "AUX");
  d.must = all_values(*parsed, "MUST");
  d.may = all_values(*parsed, "MAY");
  d.precluded = all_values(*parsed, "NOT");
  d.extensions = std::move(parsed->extensions);
  return d;
}

std::string render(const AttributeTypeDefinition& d) {
  static const char* const kUsageNames[] = {"userApplications", "directoryOperation",
                                            "distributedOperation", "dSAOperation"};
  std::string out = "( " + d.oid;
  put_names(out, d.names);
  put_string(out, "DESC", d.description);
  if (d.obsolete) {
    out += " OBSOLETE";
  }
  put_word(out, "SUP", d.superior);
  put_word(out, "EQUALITY", d.equality);
  put_word(out, "ORDERING", d.ordering);
  put_word(out, "SUBSTR", d.substr);

  if (!d.syntax.empty()) {
    out += " SYNTAX " + d.syntax;
    if (d.syntax_length > 0) {
      out += "{" + std::to_string(d.syntax_length) + "}";
    }
  }

  if (d.single_value) {
    out += " SINGLE-VALUE";
  }
  if (d.collective) {
    out += " COLLECTIVE";
  }
  if (d.no_user_modification) {
    out += " NO-USER-MODIFICATION";
  }
  if (d.usage != Usage::kUserApplications) {
    out += std::string(" USAGE ") + kUsageNames[static_cast<int>(d.usage)];
  }

  put_extensions(out, d.extensions);
  return out + " )";
}

std::string render(const ObjectClassDefinition& d) {
  static const char* const kKindNames[] = {"ABSTRACT", "STRUCTURAL", "AUXILIARY"};
  std::string out = "( " + d.oid;
  put_names(out, d.names);
  put_string(out, "DESC", d.description);
  if (d.obsolete) {
    out += " OBSOLETE";
  }
  put_oids(out, "SUP", d.superiors);
  out += std::string(" ") + kKindNames[static_cast<int>(d.kind)];
  put_oids(out, "MUST", d.must);
  put_oids(out, "MAY", d.may);
  put_extensions(out, d.extensions);
  return out + " )";
}

std::string render(const SyntaxDefinition& d) {
  std::string out = "( " + d.oid;
  put_string(out, "DESC", d.description);
  put_extensions(out, d.extensions);
  return out + " )";
}

std::string render(const MatchingRuleDefinition& d) {
  std::string out = "( " + d.oid;
  put_names(out, d.names);
  put_string(out, "DESC", d.description);
  if (d.obsolete) {
    out += " OBSOLETE";
  }
  put_word(out, "SYNTAX", d.syntax);
  put_extensions(out, d.extensions);
  return out + " )";
}

std::string render(const DitContentRuleDefinition& d) {
  std::string out = "( " + d.oid;
  put_names(out, d.names);
  put_string(out, "DESC", d.description);
  if (d.obsolete) {
    out += " OBSOLETE";
  }
  put_oids(out, "AUX", d.auxiliaries);
  put_oids(out, "MUST", d.must);
  put_oids(out, "MAY", d.may);
  put_oids(out, "NOT", d.precluded);
  put_extensions(out, d.extensions);
  return out + " )";
}

}  // namespace careid::directory::schema
