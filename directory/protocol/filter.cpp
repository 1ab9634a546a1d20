// Filter AST helpers and the BER form of filters (RFC 4511 4.5.1.7).
#include "directory/protocol/filter.h"

#include <utility>

namespace careid::directory::protocol {
namespace {

using ber::Reader;
using ber::Tag;

Status invalid(std::string message) {
  return Status::invalid_argument(std::move(message));
}

// Decodes one filter; each instance tracks the node count of one top-level filter.
class FilterDecoder {
 public:
  explicit FilterDecoder(const FilterLimits& limits) : limits_(limits) {}

  Result<Filter> decode(Reader& reader, std::size_t depth);

 private:
  Result<Filter> decode_set(FilterType type, Reader& content, std::size_t depth);
  Result<Filter> decode_not(Reader& content, std::size_t depth);

  const FilterLimits& limits_;
  std::size_t nodes_ = 0;
};

Status decode_assertion(Reader& content, AttributeValueAssertion& out) {
  Result<std::string_view> desc = content.read_octet_string();
  if (!desc.ok()) {
    return desc.status().with_context("attributeDesc");
  }
  Result<std::string_view> value = content.read_octet_string();
  if (!value.ok()) {
    return value.status().with_context("assertionValue");
  }
  if (desc->empty()) {
    return invalid("empty attribute description in filter");
  }
  out.attribute_desc = std::string(*desc);
  out.assertion_value = std::string(*value);
  return content.expect_end("AttributeValueAssertion");
}

// RFC 4511 4.5.1.7.2: "initial" must come first and "final" last, each at most once.
Status decode_substrings(Reader& content, const FilterLimits& limits, SubstringFilter& out) {
  Result<std::string_view> type = content.read_octet_string();
  if (!type.ok()) {
    return type.status().with_context("substring filter type");
  }
  if (type->empty()) {
    return invalid("empty attribute description in substring filter");
  }
  out.type = std::string(*type);

  Result<Reader> parts = content.read_constructed();
  if (!parts.ok()) {
    return parts.status().with_context("substring filter parts");
  }
  if (parts->at_end()) {
    return invalid("substring filter has no parts");
  }

  while (!parts->at_end()) {
    Result<ber::Element> part = parts->read_element();
    if (!part.ok()) {
      return part.status().with_context("substring filter part");
    }
    const Tag& tag = part->tag;
    if (tag.tag_class != ber::TagClass::kContext || tag.constructed || tag.number > 2) {
      return invalid("unknown substring part " + ber::describe_tag(tag));
    }
    if (out.final_value) {
      return invalid("substring part after \"final\"");
    }
    std::string value(part->content);
    if (tag.number == 0) {
      if (out.initial || !out.any.empty()) {
        return invalid("substring \"initial\" is not the first part");
      }
      out.initial = std::move(value);
    } else if (tag.number == 1) {
      if (out.any.size() >= limits.max_substring_any) {
        return Status::resource_exhausted("substring filter has more than " +
                                          std::to_string(limits.max_substring_any) +
                                          " \"any\" parts");
      }
      out.any.push_back(std::move(value));
    } else {
      out.final_value = std::move(value);
    }
  }
  return content.expect_end("SubstringFilter");
}

Status decode_extensible(Reader& content, MatchingRuleAssertion& out) {
  if (content.next_is(ber::context_tag(1))) {
    Result<std::string_view> rule = content.read_octet_string(ber::context_tag(1));
    if (!rule.ok()) {
      return rule.status().with_context("extensible match matchingRule");
    }
    out.matching_rule = std::string(*rule);
  }
  if (content.next_is(ber::context_tag(2))) {
    Result<std::string_view> type = content.read_octet_string(ber::context_tag(2));
    if (!type.ok()) {
      return type.status().with_context("extensible match type");
    }
    out.type = std::string(*type);
  }
  Result<std::string_view> value = content.read_octet_string(ber::context_tag(3));
  if (!value.ok()) {
    return value.status().with_context("extensible match matchValue");
  }
  out.match_value = std::string(*value);

  if (!content.at_end()) {
    Result<bool> dn_attributes = content.read_boolean(ber::context_tag(4));
    if (!dn_attributes.ok()) {
      return dn_attributes.status().with_context("extensible match dnAttributes");
    }
    out.dn_attributes = *dn_attributes;
  }

  // RFC 4511 4.5.1.7.7: without matchingRule, type must be present.
  if (!out.matching_rule && !out.type) {
    return invalid("extensible match has neither matchingRule nor type");
  }
  return content.expect_end("MatchingRuleAssertion");
}

Result<Filter> FilterDecoder::decode(Reader& reader, std::size_t depth) {
  if (depth > limits_.max_depth) {
    return Status::resource_exhausted("filter nesting exceeds the maximum depth of " +
                                      std::to_string(limits_.max_depth));
  }
  if (++nodes_ > limits_.max_nodes) {
    return Status::resource_exhausted("filter has more than " + std::to_string(limits_.max_nodes) +
                                      " elements");
  }

  Result<ber::Element> element = reader.read_element();
  if (!element.ok()) {
    return element.status().with_context("filter");
  }
  const Tag& tag = element->tag;
  if (tag.tag_class != ber::TagClass::kContext || tag.number > 9) {
    return invalid("unknown filter type " + ber::describe_tag(tag));
  }
  auto type = static_cast<FilterType>(tag.number);
  if (tag.constructed != (type != FilterType::kPresent)) {
    return invalid("filter " + ber::describe_tag(tag) +
                   " has the wrong primitive/constructed form");
  }

  Reader content(element->content);
  Filter filter;
  filter.type = type;
  Status status;
  switch (type) {
    case FilterType::kAnd:
    case FilterType::kOr:
      return decode_set(type, content, depth);
    case FilterType::kNot:
      return decode_not(content, depth);
    case FilterType::kPresent:
      if (element->content.empty()) {
        return invalid("empty attribute description in present filter");
      }
      filter.assertion.attribute_desc = std::string(element->content);
      return filter;
    case FilterType::kSubstrings:
      status = decode_substrings(content, limits_, filter.substrings);
      break;
    case FilterType::kExtensibleMatch:
      status = decode_extensible(content, filter.extensible);
      break;
    default:
      status = decode_assertion(content, filter.assertion);
      break;
  }
  if (!status.ok()) {
    return status;
  }
  return filter;
}

// RFC 4526 allows an empty and/or (absolute true/false), which RFC 4511 4.5.1.7.1 permits
// servers to support, so empty sets are accepted.
Result<Filter> FilterDecoder::decode_set(FilterType type, Reader& content, std::size_t depth) {
  Filter filter;
  filter.type = type;
  while (!content.at_end()) {
    if (filter.children.size() >= limits_.max_set_elements) {
      return Status::resource_exhausted("filter and/or has more than " +
                                        std::to_string(limits_.max_set_elements) + " operands");
    }
    Result<Filter> child = decode(content, depth + 1);
    if (!child.ok()) {
      return child.status();
    }
    filter.children.push_back(std::move(child).value());
  }
  return filter;
}

// "not [2] Filter" is explicitly tagged because Filter is a CHOICE (X.680 31.2.7), so the
// content is exactly one complete filter element.
Result<Filter> FilterDecoder::decode_not(Reader& content, std::size_t depth) {
  Result<Filter> child = decode(content, depth + 1);
  if (!child.ok()) {
    return child.status();
  }
  CAREID_RETURN_IF_ERROR(content.expect_end("not filter"));
  return Filter::make_not(std::move(child).value());
}

}  // namespace

Filter Filter::make_and(std::vector<Filter> children) {
  Filter filter;
  filter.type = FilterType::kAnd;
  filter.children = std::move(children);
  return filter;
}

Filter Filter::make_or(std::vector<Filter> children) {
  Filter filter = make_and(std::move(children));
  filter.type = FilterType::kOr;
  return filter;
}

Filter Filter::make_not(Filter child) {
  Filter filter;
  filter.type = FilterType::kNot;
  filter.children.push_back(std::move(child));
  return filter;
}

Filter Filter::make_present(std::string attribute_desc) {
  Filter filter;
  filter.type = FilterType::kPresent;
  filter.assertion.attribute_desc = std::move(attribute_desc);
  return filter;
}

Filter Filter::make_assertion(FilterType type, std::string attribute_desc, std::string value) {
  Filter filter;
  filter.type = type;
  filter.assertion = AttributeValueAssertion{std::move(attribute_desc), std::move(value)};
  return filter;
}

Filter Filter::make_substrings(SubstringFilter substrings) {
  Filter filter;
  filter.type = FilterType::kSubstrings;
  filter.substrings = std::move(substrings);
  return filter;
}

Filter Filter::make_extensible(MatchingRuleAssertion assertion) {
  Filter filter;
  filter.type = FilterType::kExtensibleMatch;
  filter.extensible = std::move(assertion);
  return filter;
}

Result<Filter> decode_filter(ber::Reader& reader, const FilterLimits& limits) {
  FilterDecoder decoder(limits);
  return decoder.decode(reader, 1);
}

void encode_filter(const Filter& filter, ber::Writer& writer) {
  auto number = static_cast<std::uint32_t>(filter.type);
  if (filter.type == FilterType::kPresent) {
    writer.write_octet_string(filter.assertion.attribute_desc, ber::context_tag(number));
    return;
  }

  writer.begin_constructed(ber::context_tag(number, true));
  switch (filter.type) {
    case FilterType::kAnd:
    case FilterType::kOr:
    case FilterType::kNot:
      for (const Filter& child : filter.children) {
        encode_filter(child, writer);
      }
      break;
    case FilterType::kSubstrings:
      writer.write_octet_string(filter.substrings.type);
      writer.begin_constructed();
      if (filter.substrings.initial) {
        writer.write_octet_string(*filter.substrings.initial, ber::context_tag(0));
      }
      for (const std::string& any : filter.substrings.any) {
        writer.write_octet_string(any, ber::context_tag(1));
      }
      if (filter.substrings.final_value) {
        writer.write_octet_string(*filter.substrings.final_value, ber::context_tag(2));
      }
      writer.end_constructed();
      break;
    case FilterType::kExtensibleMatch:
      if (filter.extensible.matching_rule) {
        writer.write_octet_string(*filter.extensible.matching_rule, ber::context_tag(1));
      }
      if (filter.extensible.type) {
        writer.write_octet_string(*filter.extensible.type, ber::context_tag(2));
      }
      writer.write_octet_string(filter.extensible.match_value, ber::context_tag(3));
      // DEFAULT FALSE is omitted when false (X.690 11.5 for DER; harmless in BER).
      if (filter.extensible.dn_attributes) {
        writer.write_boolean(true, ber::context_tag(4));
      }
      break;
    default:
      writer.write_octet_string(filter.assertion.attribute_desc);
      writer.write_octet_string(filter.assertion.assertion_value);
      break;
  }
  writer.end_constructed();
}

}  // namespace careid::directory::protocol
