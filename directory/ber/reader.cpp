#include "directory/ber/reader.h"

#include <string>

namespace careid::directory::ber {
namespace {

Status tag_mismatch(const Tag& expected, const Tag& actual) {
  return Status::invalid_argument("expected " + describe_tag(expected) + " but found " +
                                  describe_tag(actual));
}

}  // namespace

std::string describe_tag(const Tag& tag) {
  static constexpr std::string_view kClassNames[] = {"UNIVERSAL", "APPLICATION", "CONTEXT",
                                                     "PRIVATE"};
  std::string text = "[";
  text += kClassNames[static_cast<int>(tag.tag_class)];
  text += ' ';
  text += std::to_string(tag.number);
  text += tag.constructed ? "] constructed" : "] primitive";
  return text;
}

Result<Tag> Reader::peek_tag() const {
  HeaderParse parse = parse_header(input_.substr(offset_));
  if (parse.status != HeaderStatus::kOk) {
    return Status::invalid_argument(std::string(parse.error));
  }
  return parse.header.tag;
}

bool Reader::next_is(const Tag& tag) const {
  Result<Tag> next = peek_tag();
  return next.ok() && *next == tag;
}

Result<Element> Reader::read_element() {
  HeaderParse parse = parse_header(input_.substr(offset_));
  if (parse.status != HeaderStatus::kOk) {
    return Status::invalid_argument(std::string(parse.error));
  }

  const Header& header = parse.header;
  std::size_t available = remaining() - header.header_size;
  if (header.content_length > available) {
    return Status::invalid_argument("element length " + std::to_string(header.content_length) +
                                    " exceeds the " + std::to_string(available) +
                                    " octets remaining");
  }

  Element element{header.tag, input_.substr(offset_ + header.header_size, header.content_length)};
  offset_ += header.header_size + header.content_length;
  return element;
}

Result<Element> Reader::read_element(const Tag& expected) {
  Result<Tag> next = peek_tag();
  if (!next.ok()) {
    return next.status();
  }
  if (*next != expected) {
    return tag_mismatch(expected, *next);
  }
  return read_element();
}

Status Reader::skip_element() {
  Result<Element> element = read_element();
  return element.ok() ? Status::ok_status() : element.status();
}

Result<std::int64_t> Reader::read_signed(const Tag& tag, std::string_view type_name) {
  Result<Element> element = read_element(tag);
  if (!element.ok()) {
    return element.status();
  }

  std::string_view content = element->content;
  if (content.empty()) {
    return Status::invalid_argument(std::string(type_name) + " has no content octets");
  }
  if (content.size() > 8) {
    return Status::invalid_argument(std::string(type_name) + " of " +
                                    std::to_string(content.size()) +
                                    " octets does not fit in 64 bits");
  }

  // X.690 8.3.2: the first nine bits must not be all zeros or all ones.
  if (content.size() > 1) {
    auto first = static_cast<std::uint8_t>(content[0]);
    auto second = static_cast<std::uint8_t>(content[1]);
    if ((first == 0x00 && second < 0x80) || (first == 0xFF && second >= 0x80)) {
      ++non_minimal_integers_;
    }
  }

  // Sign-extend from the first octet, then shift in the rest as unsigned to avoid
  // signed overflow.
  std::uint64_t value = static_cast<std::int8_t>(content[0]) < 0 ? ~std::uint64_t{0} : 0;
  for (char octet : content) {
    value = (value << 8) | static_cast<std::uint8_t>(octet);
  }
  return static_cast<std::int64_t>(value);
}

Result<std::int64_t> Reader::read_integer(const Tag& tag) {
  return read_signed(tag, "INTEGER");
}

Result<std::int64_t> Reader::read_enumerated(const Tag& tag) {
  return read_signed(tag, "ENUMERATED");
}

Result<bool> Reader::read_boolean(const Tag& tag) {
  Result<Element> element = read_element(tag);
  if (!element.ok()) {
    return element.status();
  }
  if (element->content.size() != 1) {
    return Status::invalid_argument("BOOLEAN must have exactly one content octet, found " +
                                    std::to_string(element->content.size()));
  }
  return element->content[0] != 0;
}

Result<std::string_view> Reader::read_octet_string(const Tag& tag) {
  if (tag.constructed) {
    return Status::invalid_argument("OCTET STRING must use the primitive form (RFC 4511 5.1)");
  }
  Result<Element> element = read_element(tag);
  if (!element.ok()) {
    return element.status();
  }
  return element->content;
}

Status Reader::read_null(const Tag& tag) {
  Result<Element> element = read_element(tag);
  if (!element.ok()) {
    return element.status();
  }
  if (!element->content.empty()) {
    return Status::invalid_argument("NULL must have no content octets");
  }
  return Status::ok_status();
}

Result<Reader> Reader::read_constructed(const Tag& tag) {
  if (!tag.constructed) {
    return Status::invalid_argument("cannot enter primitive element " + describe_tag(tag));
  }
  Result<Element> element = read_element(tag);
  if (!element.ok()) {
    return element.status();
  }
  return Reader(element->content);
}

Status Reader::expect_end(std::string_view element_name) const {
  if (at_end()) {
    return Status::ok_status();
  }
  return Status::invalid_argument(std::to_string(remaining()) + " unexpected octets after " +
                                  std::string(element_name));
}

}  // namespace careid::directory::ber
