#include "directory/protocol/controls.h"

#include "directory/ber/reader.h"
#include "directory/ber/writer.h"
#include "directory/protocol/envelope.h"

namespace careid::directory::protocol {
namespace {

using ber::Reader;
using ber::Writer;

Status invalid(std::string_view control, const Status& cause) {
  return Status::invalid_argument("invalid " + std::string(control) + " value: " + cause.message());
}

Status invalid(std::string_view control, std::string_view problem) {
  return Status::invalid_argument("invalid " + std::string(control) + " value: " + std::string(problem));
}

constexpr ber::Tag kSearchResultEntryTag = ber::application_tag(4, true);

}  // namespace

const std::vector<std::string_view>& supported_control_oids() {
  static const std::vector<std::string_view> kOids = {
      kPagedResultsOid, kSortRequestOid,    kManageDsaItControlOid, kAssertionOid,
      kPreReadOid,      kPostReadOid,       kSubtreeDeleteOid,      kPermissiveModifyOid,
  };
  return kOids;
}

const Control* find_control(const std::vector<Control>& controls, std::string_view oid) {
  for (const Control& control : controls) {
    if (control.type == oid) {
      return &control;
    }
  }
  return nullptr;
}

Result<PagedResults> decode_paged_results(std::string_view value) {
  Reader outer(value);
  auto sequence = outer.read_constructed();
  if (!sequence.ok()) {
    return invalid("paged results", sequence.status());
  }
  auto size = sequence->read_integer();
  if (!size.ok()) {
    return invalid("paged results", size.status());
  }
  if (*size < 0 || *size > kMaxInt) {
    return invalid("paged results", "size must be 0 to 2147483647");
  }
  auto cookie = sequence->read_octet_string();
  if (!cookie.ok()) {
    return invalid("paged results", cookie.status());
  }
  Status end = sequence->expect_end("paged results control");
  if (!end.ok() || !outer.at_end()) {
    return invalid("paged results", "trailing bytes");
  }
  return PagedResults{static_cast<std::int32_t>(*size), std::string(*cookie)};
}

std::string encode_paged_results(const PagedResults& paged) {
  Writer writer;
  writer.begin_constructed();
  writer.write_integer(paged.size);
  writer.write_octet_string(paged.cookie);
  writer.end_constructed();
  return writer.finish();
}

namespace {

Result<SortKey> decode_sort_key(Reader& list) {
  auto element = list.read_constructed();
  if (!element.ok()) {
    return element.status();
  }
  SortKey key;
  auto type = element->read_octet_string();
  if (!type.ok()) {
    return type.status();
  }
  key.attribute_type = std::string(*type);
  if (element->next_is(ber::context_tag(0))) {
    auto rule = element->read_octet_string(ber::context_tag(0));
    if (!rule.ok()) {
      return rule.status();
    }
    key.ordering_rule = std::string(*rule);
  }
  if (element->next_is(ber::context_tag(1))) {
    auto reverse = element->read_boolean(ber::context_tag(1));
    if (!reverse.ok()) {
      return reverse.status();
    }
    key.reverse_order = *reverse;
  }
  CAREID_RETURN_IF_ERROR(element->expect_end("sort key"));
  return key;
}

}  // namespace

Result<std::vector<SortKey>> decode_sort_request(std::string_view value) {
  Reader outer(value);
  auto list = outer.read_constructed();
  if (!list.ok()) {
    return invalid("sort request", list.status());
  }
  std::vector<SortKey> keys;
  while (!list->at_end()) {
    if (keys.size() >= kMaxControlListElements) {
      return invalid("sort request", "more than " + std::to_string(kMaxControlListElements) + " sort keys");
    }
    auto key = decode_sort_key(*list);
    if (!key.ok()) {
      return invalid("sort request", key.status());
    }
    keys.push_back(std::move(*key));
  }
  if (keys.empty() || !outer.at_end()) {
    return invalid("sort request", keys.empty() ? "no sort keys" : "trailing bytes");
  }
  return keys;
}

std::string encode_sort_request(const std::vector<SortKey>& keys) {
  Writer writer;
  writer.begin_constructed();
  for (const SortKey& key : keys) {
    writer.begin_constructed();
    writer.write_octet_string(key.attribute_type);
    if (key.ordering_rule.has_value()) {
      writer.write_octet_string(*key.ordering_rule, ber::context_tag(0));
    }
    if (key.reverse_order) {
      writer.write_boolean(true, ber::context_tag(1));
    }
    writer.end_constructed();
  }
  writer.end_constructed();
  return writer.finish();
}

std::string encode_sort_response(ResultCode code, std::string_view attribute_type) {
  Writer writer;
  writer.begin_constructed();
  writer.write_enumerated(static_cast<std::int64_t>(code));
  if (!attribute_type.empty()) {
    writer.write_octet_string(attribute_type, ber::context_tag(0));
  }
  writer.end_constructed();
  return writer.finish();
}

Result<std::pair<ResultCode, std::string>> decode_sort_response(std::string_view value) {
  Reader outer(value);
  auto sequence = outer.read_constructed();
  if (!sequence.ok()) {
    return invalid("sort response", sequence.status());
  }
  auto code = sequence->read_enumerated();
  if (!code.ok()) {
    return invalid("sort response", code.status());
  }
  std::string type;
  if (sequence->next_is(ber::context_tag(0))) {
    auto named = sequence->read_octet_string(ber::context_tag(0));
    if (!named.ok()) {
      return invalid("sort response", named.status());
    }
    type = std::string(*named);
  }
  return std::make_pair(static_cast<ResultCode>(*code), std::move(type));
}

Result<Filter> decode_assertion(std::string_view value) {
  Reader reader(value);
  auto filter = decode_filter(reader);
  if (!filter.ok()) {
    return invalid("assertion", filter.status());
  }
  if (!reader.at_end()) {
    return invalid("assertion", "trailing bytes");
  }
  return filter;
}

Result<std::vector<std::string>> decode_attribute_selection(std::string_view value) {
  Reader outer(value);
  auto list = outer.read_constructed();
  if (!list.ok()) {
    return invalid("read entry control", list.status());
  }
  std::vector<std::string> attributes;
  while (!list->at_end()) {
    if (attributes.size() >= kMaxControlListElements) {
      return invalid("read entry control", "more than " + std::to_string(kMaxControlListElements) + " attributes");
    }
    auto name = list->read_octet_string();
    if (!name.ok()) {
      return invalid("read entry control", name.status());
    }
    attributes.emplace_back(*name);
  }
  if (!outer.at_end()) {
    return invalid("read entry control", "trailing bytes");
  }
  return attributes;
}

std::string encode_attribute_selection(const std::vector<std::string>& attributes) {
  Writer writer;
  writer.begin_constructed();
  for (const std::string& name : attributes) {
    writer.write_octet_string(name);
  }
  writer.end_constructed();
  return writer.finish();
}

std::string encode_read_entry(const SearchResultEntry& entry) {
  Writer writer;
  writer.begin_constructed(kSearchResultEntryTag);
  writer.write_octet_string(entry.object_name);
  writer.begin_constructed();
  for (const PartialAttribute& attribute : entry.attributes) {
    detail::write_partial_attribute(attribute, writer);
  }
  writer.end_constructed();
  writer.end_constructed();
  return writer.finish();
}

Result<SearchResultEntry> decode_read_entry(std::string_view value) {
  Reader outer(value);
  auto body = outer.read_constructed(kSearchResultEntryTag);
  if (!body.ok()) {
    return invalid("read entry response", body.status());
  }
  SearchResultEntry entry;
  auto name = body->read_octet_string();
  auto list = name.ok() ? body->read_constructed() : Result<Reader>(name.status());
  if (!list.ok()) {
    return invalid("read entry response", list.status());
  }
  entry.object_name = std::string(*name);
  while (!list->at_end()) {
    auto attribute = list->read_constructed();
    auto type = attribute.ok() ? attribute->read_octet_string() : Result<std::string_view>(attribute.status());
    auto values = type.ok() ? attribute->read_constructed(ber::kSetTag) : Result<Reader>(type.status());
    if (!values.ok()) {
      return invalid("read entry response", values.status());
    }
    PartialAttribute partial{std::string(*type), {}};
    while (!values->at_end()) {
      auto item = values->read_octet_string();
      if (!item.ok()) {
        return invalid("read entry response", item.status());
      }
      partial.values.emplace_back(*item);
    }
    entry.attributes.push_back(std::move(partial));
  }
  return entry;
}

Result<PasswordModifyRequest> decode_password_modify(std::string_view value) {
  PasswordModifyRequest request;
  if (value.empty()) {
    return request;
  }
  Reader outer(value);
  auto sequence = outer.read_constructed();
  if (!sequence.ok()) {
    return invalid("password modify request", sequence.status());
  }
  std::optional<std::string>* fields[] = {&request.user_identity, &request.old_password, &request.new_password};
  for (std::uint32_t number = 0; number < 3; ++number) {
    if (!sequence->next_is(ber::context_tag(number))) {
      continue;
    }
    auto field = sequence->read_octet_string(ber::context_tag(number));
    if (!field.ok()) {
      return invalid("password modify request", field.status());
    }
    *fields[number] = std::string(*field);
  }
  Status end = sequence->expect_end("password modify request");
  if (!end.ok() || !outer.at_end()) {
    return invalid("password modify request", "unexpected or trailing fields");
  }
  return request;
}

std::string encode_password_modify(const PasswordModifyRequest& request) {
  Writer writer;
  writer.begin_constructed();
  const std::optional<std::string>* fields[] = {&request.user_identity, &request.old_password, &request.new_password};
  for (std::uint32_t number = 0; number < 3; ++number) {
    if (fields[number]->has_value()) {
      writer.write_octet_string(**fields[number], ber::context_tag(number));
    }
  }
  writer.end_constructed();
  return writer.finish();
}

std::string encode_password_modify_response(const std::optional<std::string>& generated) {
  Writer writer;
  writer.begin_constructed();
  if (generated.has_value()) {
    writer.write_octet_string(*generated, ber::context_tag(0));
  }
  writer.end_constructed();
  return writer.finish();
}

Result<std::optional<std::string>> decode_password_modify_response(std::string_view value) {
  Reader outer(value);
  auto sequence = outer.read_constructed();
  if (!sequence.ok()) {
    return invalid("password modify response", sequence.status());
  }
  std::optional<std::string> generated;
  if (sequence->next_is(ber::context_tag(0))) {
    auto field = sequence->read_octet_string(ber::context_tag(0));
    if (!field.ok()) {
      return invalid("password modify response", field.status());
    }
    generated = std::string(*field);
  }
  return generated;
}

}  // namespace careid::directory::protocol
