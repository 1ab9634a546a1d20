// Request encoding (RFC 4511 4.2-4.12), for clients, tools and tests.
#include <type_traits>

#include "directory/ber/writer.h"
#include "directory/protocol/encoder.h"
#include "directory/protocol/envelope.h"

namespace careid::directory::protocol {
namespace {

using ber::Writer;

ber::Tag op_element_tag(OpTag tag, bool constructed = true) {
  return ber::application_tag(static_cast<std::uint32_t>(tag), constructed);
}

struct RequestWriter {
  Writer& writer;

  void operator()(const BindRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kBindRequest));
    writer.write_integer(request.version);
    writer.write_octet_string(request.name);
    if (const auto* simple = std::get_if<SimpleCredentials>(&request.authentication)) {
      writer.write_octet_string(simple->password, ber::context_tag(0));
    } else {
      const auto& sasl = std::get<SaslCredentials>(request.authentication);
      writer.begin_constructed(ber::context_tag(3, true));
      writer.write_octet_string(sasl.mechanism);
      if (sasl.credentials) {
        writer.write_octet_string(*sasl.credentials);
      }
      writer.end_constructed();
    }
    writer.end_constructed();
  }

  void operator()(const UnbindRequest&) {
    writer.write_null(op_element_tag(OpTag::kUnbindRequest, false));
  }

  void operator()(const SearchRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kSearchRequest));
    writer.write_octet_string(request.base_object);
    writer.write_enumerated(static_cast<int>(request.scope));
    writer.write_enumerated(static_cast<int>(request.deref_aliases));
    writer.write_integer(request.size_limit);
    writer.write_integer(request.time_limit);
    writer.write_boolean(request.types_only);
    encode_filter(request.filter, writer);
    writer.begin_constructed();
    for (const std::string& attribute : request.attributes) {
      writer.write_octet_string(attribute);
    }
    writer.end_constructed();
    writer.end_constructed();
  }

  void operator()(const ModifyRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kModifyRequest));
    writer.write_octet_string(request.object);
    writer.begin_constructed();
    for (const Modification& change : request.changes) {
      writer.begin_constructed();
      writer.write_enumerated(static_cast<int>(change.operation));
      detail::write_partial_attribute(change.modification, writer);
      writer.end_constructed();
    }
    writer.end_constructed();
    writer.end_constructed();
  }

  void operator()(const AddRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kAddRequest));
    writer.write_octet_string(request.entry);
    writer.begin_constructed();
    for (const PartialAttribute& attribute : request.attributes) {
      detail::write_partial_attribute(attribute, writer);
    }
    writer.end_constructed();
    writer.end_constructed();
  }

  void operator()(const DelRequest& request) {
    writer.write_octet_string(request.entry, op_element_tag(OpTag::kDelRequest, false));
  }

  void operator()(const ModifyDnRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kModifyDnRequest));
    writer.write_octet_string(request.entry);
    writer.write_octet_string(request.new_rdn);
    writer.write_boolean(request.delete_old_rdn);
    if (request.new_superior) {
      writer.write_octet_string(*request.new_superior, ber::context_tag(0));
    }
    writer.end_constructed();
  }

  void operator()(const CompareRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kCompareRequest));
    writer.write_octet_string(request.entry);
    writer.begin_constructed();
    writer.write_octet_string(request.assertion.attribute_desc);
    writer.write_octet_string(request.assertion.assertion_value);
    writer.end_constructed();
    writer.end_constructed();
  }

  void operator()(const AbandonRequest& request) {
    writer.write_integer(request.message_id, op_element_tag(OpTag::kAbandonRequest, false));
  }

  void operator()(const ExtendedRequest& request) {
    writer.begin_constructed(op_element_tag(OpTag::kExtendedRequest));
    writer.write_octet_string(request.request_name, ber::context_tag(0));
    if (request.request_value) {
      writer.write_octet_string(*request.request_value, ber::context_tag(1));
    }
    writer.end_constructed();
  }
};

}  // namespace

std::string encode_request(const Request& request) {
  Writer writer;
  detail::begin_message(request.message_id, writer);
  std::visit(RequestWriter{writer}, request.op);
  detail::end_message(request.controls, writer);
  return writer.finish();
}

}  // namespace careid::directory::protocol
