// Response encoding (RFC 4511 4.1.9-4.13) and the LDAPMessage envelope shared with requests.
#include "directory/protocol/encoder.h"

#include <type_traits>

#include "directory/ber/writer.h"
#include "directory/protocol/envelope.h"

namespace careid::directory::protocol {
namespace {

using ber::Writer;

ber::Tag op_element_tag(OpTag tag) {
  return ber::application_tag(static_cast<std::uint32_t>(tag), true);
}

// COMPONENTS OF LDAPResult: the fields go directly inside the operation's SEQUENCE.
void write_result_fields(const LdapResult& result, Writer& writer) {
  writer.write_enumerated(static_cast<int>(result.result_code));
  writer.write_octet_string(result.matched_dn);
  writer.write_octet_string(result.diagnostic_message);
  if (!result.referral.empty()) {
    writer.begin_constructed(ber::context_tag(3, true));
    for (const std::string& uri : result.referral) {
      writer.write_octet_string(uri);
    }
    writer.end_constructed();
  }
}

void write_optional(const std::optional<std::string>& value, std::uint32_t number, Writer& writer) {
  if (value) {
    writer.write_octet_string(*value, ber::context_tag(number));
  }
}

struct ResponseWriter {
  Writer& writer;
  OpTag tag;

  void operator()(const BindResponse& response) {
    writer.begin_constructed(op_element_tag(tag));
    write_result_fields(response.result, writer);
    write_optional(response.server_sasl_creds, 7, writer);
    writer.end_constructed();
  }

  void operator()(const SearchResultEntry& entry) {
    writer.begin_constructed(op_element_tag(tag));
    writer.write_octet_string(entry.object_name);
    writer.begin_constructed();
    for (const PartialAttribute& attribute : entry.attributes) {
      detail::write_partial_attribute(attribute, writer);
    }
    writer.end_constructed();
    writer.end_constructed();
  }

  void operator()(const SearchResultReference& reference) {
    writer.begin_constructed(op_element_tag(tag));
    for (const std::string& uri : reference.uris) {
      writer.write_octet_string(uri);
    }
    writer.end_constructed();
  }

  void operator()(const ExtendedResponse& response) {
    writer.begin_constructed(op_element_tag(tag));
    write_result_fields(response.result, writer);
    write_optional(response.response_name, 10, writer);
    write_optional(response.response_value, 11, writer);
    writer.end_constructed();
  }

  void operator()(const IntermediateResponse& response) {
    writer.begin_constructed(op_element_tag(tag));
    write_optional(response.response_name, 0, writer);
    write_optional(response.response_value, 1, writer);
    writer.end_constructed();
  }

  // SearchResultDone, ModifyResponse, AddResponse, DelResponse, ModifyDNResponse and
  // CompareResponse are each a bare LDAPResult under their own tag.
  template <class Op>
  void operator()(const Op& response) {
    writer.begin_constructed(op_element_tag(tag));
    write_result_fields(response.result, writer);
    writer.end_constructed();
  }
};

// An upper estimate of the encoded size of `response`. Search entries are most of what a
// server sends, so only they are measured. Each attribute and value adds at most a
// 6-octet header, and the envelope at most 64 octets without controls.
std::size_t estimated_size(const Response& response) {
  std::size_t bytes = 64;
  if (const auto* entry = std::get_if<SearchResultEntry>(&response.op)) {
    bytes += entry->object_name.size();
    for (const PartialAttribute& attribute : entry->attributes) {
      bytes += 18 + attribute.type.size();
      for (const std::string& value : attribute.values) {
        bytes += 6 + value.size();
      }
    }
  }
  return bytes;
}

}  // namespace

namespace detail {

void write_partial_attribute(const PartialAttribute& attribute, Writer& writer) {
  writer.begin_constructed();
  writer.write_octet_string(attribute.type);
  writer.begin_constructed(ber::kSetTag);
  for (const std::string& value : attribute.values) {
    writer.write_octet_string(value);
  }
  writer.end_constructed();
  writer.end_constructed();
}

void begin_message(std::int32_t message_id, Writer& writer) {
  writer.begin_constructed();
  writer.write_integer(message_id);
}

void end_message(const std::vector<Control>& controls, Writer& writer) {
  if (!controls.empty()) {
    writer.begin_constructed(ber::context_tag(0, true));
    for (const Control& control : controls) {
      writer.begin_constructed();
      writer.write_octet_string(control.type);
      // DEFAULT FALSE is left out when false.
      if (control.criticality) {
        writer.write_boolean(true);
      }
      if (control.value) {
        writer.write_octet_string(*control.value);
      }
      writer.end_constructed();
    }
    writer.end_constructed();
  }
  writer.end_constructed();
}

}  // namespace detail

std::string encode_response(const Response& response) {
  Writer writer;
  writer.reserve(estimated_size(response));
  detail::begin_message(response.message_id, writer);
  std::visit(ResponseWriter{writer, op_tag(response.op)}, response.op);
  detail::end_message(response.controls, writer);
  return writer.finish();
}

std::string encode_notice_of_disconnection(ResultCode code, std::string_view diagnostic) {
  ExtendedResponse notice;
  notice.result.result_code = code;
  notice.result.diagnostic_message = std::string(diagnostic);
  notice.response_name = std::string(kNoticeOfDisconnectionOid);
  return encode_response(Response{0, std::move(notice), {}});
}

}  // namespace careid::directory::protocol
