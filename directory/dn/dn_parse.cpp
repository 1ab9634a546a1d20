// Dn::parse: the RFC 4514 section 3 grammar, with spaces allowed around separators.
#include <string>

#include "directory/dn/dn.h"
#include "directory/dn/utf8.h"

namespace careid::directory::dn {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_digit(char c) {
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

// RFC 4514 3 "escaped" and "special": the characters that may follow a backslash as
// themselves rather than as a hex pair.
bool is_escapable(char c) {
  switch (c) {
    case '"':
    case '+':
    case ',':
    case ';':
    case '<':
    case '>':
    case '\\':
    case ' ':
    case '#':
    case '=':
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Dn> parse_dn() {
    std::vector<Rdn> rdns;
    skip_spaces();
    if (at_end()) {
      return Dn();
    }

    while (true) {
      if (rdns.size() == kMaxRdns) {
        return error("more than " + std::to_string(kMaxRdns) + " RDNs");
      }
      Result<Rdn> rdn = parse_rdn();
      if (!rdn.ok()) {
        return rdn.status();
      }
      rdns.push_back(std::move(rdn).value());

      if (at_end()) {
        return Dn(std::move(rdns));
      }
      if (peek() != ',') {
        return error(std::string("expected ',' or '+' but found '") + peek() + "'");
      }
      ++pos_;
      skip_spaces();
    }
  }

 private:
  Result<Rdn> parse_rdn() {
    Rdn rdn;
    while (true) {
      Result<Ava> ava = parse_ava();
      if (!ava.ok()) {
        return ava.status();
      }
      rdn.avas.push_back(std::move(ava).value());

      // parse_ava leaves the position after trailing spaces, at a separator or the end.
      if (at_end() || peek() != '+') {
        return rdn;
      }
      ++pos_;
      skip_spaces();
    }
  }

  Result<Ava> parse_ava() {
    Ava ava;
    Result<std::string> type = parse_type();
    if (!type.ok()) {
      return type.status();
    }
    ava.type = std::move(type).value();

    skip_spaces();
    if (at_end() || peek() != '=') {
      return error("expected '=' after attribute type '" + ava.type + "'");
    }
    ++pos_;
    skip_spaces();

    if (!at_end() && peek() == '#') {
      ava.ber_encoded = true;
      Result<std::string> ber = parse_hex_string();
      if (!ber.ok()) {
        return ber.status();
      }
      ava.value = std::move(ber).value();
    } else {
      Result<std::string> value = parse_string_value();
      if (!value.ok()) {
        return value.status();
      }
      ava.value = std::move(value).value();
    }
    skip_spaces();
    return ava;
  }

  // attributeType = descr / numericoid (RFC 4514 3, RFC 4512 1.4).
  Result<std::string> parse_type() {
    const std::size_t start = pos_;
    if (at_end()) {
      return error("expected an attribute type");
    }
    if (is_alpha(peek())) {
      while (!at_end() && (is_alpha(peek()) || is_digit(peek()) || peek() == '-')) {
        ++pos_;
      }
      return std::string(text_.substr(start, pos_ - start));
    }
    if (is_digit(peek())) {
      return parse_numeric_oid();
    }
    return error(std::string("expected an attribute type but found '") + peek() + "'");
  }

  Result<std::string> parse_numeric_oid() {
    const std::size_t start = pos_;
    int arcs = 0;
    while (true) {
      const std::size_t arc_start = pos_;
      while (!at_end() && is_digit(peek())) {
        ++pos_;
      }
      if (pos_ == arc_start) {
        return error("expected a digit in numeric OID");
      }
      if (pos_ - arc_start > 1 && text_[arc_start] == '0') {
        return error_at(arc_start, "numeric OID arc has a leading zero");
      }
      ++arcs;
      if (at_end() || peek() != '.') {
        break;
      }
      ++pos_;
    }
    if (arcs < 2) {
      return error_at(start, "numeric OID needs at least two arcs");
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // hexstring = SHARP 1*hexpair: the BER encoding of the value (RFC 4514 2.4, 3).
  Result<std::string> parse_hex_string() {
    ++pos_;
    std::string bytes;
    while (!at_end() && hex_digit(peek()) >= 0) {
      if (pos_ + 1 >= text_.size() || hex_digit(text_[pos_ + 1]) < 0) {
        return error("odd number of hex digits in '#' value");
      }
      bytes.push_back(static_cast<char>(hex_digit(text_[pos_]) * 16 + hex_digit(text_[pos_ + 1])));
      pos_ += 2;
    }
    if (bytes.empty()) {
      return error("expected hex digits after '#'");
    }
    if (!at_end() && peek() != ',' && peek() != '+' && peek() != ' ') {
      return error(std::string("unexpected '") + peek() + "' in '#' value");
    }
    return bytes;
  }

  // string = the escaped form of RFC 4514 3. Unescaped trailing spaces are dropped, but an
  // escaped space ("\ ") is kept, so `significant_length` marks what must survive trimming.
  Result<std::string> parse_string_value() {
    std::string value;
    std::size_t significant_length = 0;
    while (!at_end() && peek() != ',' && peek() != '+') {
      const char c = peek();
      if (c == '\\') {
        Status status = parse_escape(value);
        if (!status.ok()) {
          return status;
        }
        significant_length = value.size();
        continue;
      }
      if (c == '\0' || c == '"' || c == ';' || c == '<' || c == '>') {
        return error(std::string("character '") +
                     (c == '\0' ? std::string("\\0") : std::string(1, c)) +
                     "' must be escaped with '\\'");
      }
      value.push_back(c);
      if (c != ' ') {
        significant_length = value.size();
      }
      ++pos_;
    }

    value.resize(significant_length);
    if (!is_valid_utf8(value)) {
      return error("attribute value is not valid UTF-8");
    }
    return value;
  }

  Status parse_escape(std::string& value) {
    const std::size_t start = pos_;
    ++pos_;
    if (at_end()) {
      return error_at(start, "'\\' at end of DN");
    }
    if (is_escapable(peek())) {
      value.push_back(peek());
      ++pos_;
      return Status::ok_status();
    }

    const int high = hex_digit(peek());
    const int low = pos_ + 1 < text_.size() ? hex_digit(text_[pos_ + 1]) : -1;
    if (high < 0 || low < 0) {
      return error_at(start, "'\\' must be followed by a special character or two hex digits");
    }
    value.push_back(static_cast<char>(high * 16 + low));
    pos_ += 2;
    return Status::ok_status();
  }

  void skip_spaces() {
    while (!at_end() && peek() == ' ') {
      ++pos_;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  Status error(const std::string& problem) const { return error_at(pos_, problem); }

  static Status error_at(std::size_t offset, const std::string& problem) {
    return Status::invalid_argument("invalid DN at offset " + std::to_string(offset) + ": " +
                                    problem);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Dn> Dn::parse(std::string_view text) {
  if (text.size() > kMaxDnLength) {
    return Status::invalid_argument("invalid DN: " + std::to_string(text.size()) +
                                    " bytes, more than the maximum of " +
                                    std::to_string(kMaxDnLength));
  }
  return Parser(text).parse_dn();
}

}  // namespace careid::directory::dn
