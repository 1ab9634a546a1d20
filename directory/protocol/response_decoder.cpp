// Response decoding (RFC 4511 4.1.9-4.13), for clients, tools and tests.
#include <utility>

#include "directory/ber/reader.h"
#include "directory/protocol/decoder.h"

namespace careid::directory::protocol {
namespace {

using ber::Reader;

Status read_string(Reader& reader, std::string& out, std::string_view field,
                   const ber::Tag& tag = ber::kOctetStringTag) {
  Result<std::string_view> value = reader.read_octet_string(tag);
  if (!value.ok()) {
    return value.status().with_context(field);
  }
  out = std::string(*value);
  return Status::ok_status();
}

Status read_optional(Reader& reader, std::optional<std::string>& out, std::uint32_t number,
                     std::string_view field) {
  if (!reader.next_is(ber::context_tag(number))) {
    return Status::ok_status();
  }
  return read_string(reader, out.emplace(), field, ber::context_tag(number));
}

Status read_strings(Reader& reader, const ber::Tag& tag, std::vector<std::string>& out,
                    std::string_view field) {
  Result<Reader> list = reader.read_constructed(tag);
  if (!list.ok()) {
    return list.status().with_context(field);
  }
  while (!list->at_end()) {
    CAREID_RETURN_IF_ERROR(read_string(*list, out.emplace_back(), field));
  }
  return Status::ok_status();
}

// COMPONENTS OF LDAPResult (RFC 4511 4.1.9).
Status read_result(Reader& body, LdapResult& result) {
  Result<std::int64_t> code = body.read_enumerated();
  if (!code.ok()) {
    return code.status().with_context("resultCode");
  }
  if (*code < 0 || *code > kMaxInt) {
    return Status::invalid_argument("resultCode " + std::to_string(*code) + " is out of range");
  }
  result.result_code = static_cast<ResultCode>(*code);
  CAREID_RETURN_IF_ERROR(read_string(body, result.matched_dn, "matchedDN"));
  CAREID_RETURN_IF_ERROR(read_string(body, result.diagnostic_message, "diagnosticMessage"));
  if (body.next_is(ber::context_tag(3, true))) {
    CAREID_RETURN_IF_ERROR(
        read_strings(body, ber::context_tag(3, true), result.referral, "referral"));
  }
  return Status::ok_status();
}

Status read_entry(Reader& body, SearchResultEntry& entry) {
  CAREID_RETURN_IF_ERROR(read_string(body, entry.object_name, "objectName"));
  Result<Reader> attributes = body.read_constructed();
  if (!attributes.ok()) {
    return attributes.status().with_context("attributes");
  }
  while (!attributes->at_end()) {
    Result<Reader> attribute = attributes->read_constructed();
    if (!attribute.ok()) {
      return attribute.status().with_context("attribute");
    }
    PartialAttribute& partial = entry.attributes.emplace_back();
    CAREID_RETURN_IF_ERROR(read_string(*attribute, partial.type, "attribute type"));
    CAREID_RETURN_IF_ERROR(
        read_strings(*attribute, ber::kSetTag, partial.values, "attribute values"));
    CAREID_RETURN_IF_ERROR(attribute->expect_end("attribute"));
  }
  return Status::ok_status();
}

Result<ResponseOp> read_response_op(Reader& body, OpTag tag) {
  switch (tag) {
    case OpTag::kBindResponse: {
      BindResponse response;
      CAREID_RETURN_IF_ERROR(read_result(body, response.result));
      CAREID_RETURN_IF_ERROR(read_optional(body, response.server_sasl_creds, 7, "serverSaslCreds"));
      return ResponseOp(std::move(response));
    }
    case OpTag::kSearchResultEntry: {
      SearchResultEntry entry;
      CAREID_RETURN_IF_ERROR(read_entry(body, entry));
      return ResponseOp(std::move(entry));
    }
    case OpTag::kSearchResultReference: {
      SearchResultReference reference;
      while (!body.at_end()) {
        CAREID_RETURN_IF_ERROR(read_string(body, reference.uris.emplace_back(), "URI"));
      }
      return ResponseOp(std::move(reference));
    }
    case OpTag::kExtendedResponse: {
      ExtendedResponse response;
      CAREID_RETURN_IF_ERROR(read_result(body, response.result));
      CAREID_RETURN_IF_ERROR(read_optional(body, response.response_name, 10, "responseName"));
      CAREID_RETURN_IF_ERROR(read_optional(body, response.response_value, 11, "responseValue"));
      return ResponseOp(std::move(response));
    }
    case OpTag::kIntermediateResponse: {
      IntermediateResponse response;
      CAREID_RETURN_IF_ERROR(read_optional(body, response.response_name, 0, "responseName"));
      CAREID_RETURN_IF_ERROR(read_optional(body, response.response_value, 1, "responseValue"));
      return ResponseOp(std::move(response));
    }
    default:
      break;
  }

  LdapResult result;
  CAREID_RETURN_IF_ERROR(read_result(body, result));
  switch (tag) {
    case OpTag::kSearchResultDone:
      return ResponseOp(SearchResultDone{std::move(result)});
    case OpTag::kModifyResponse:
      return ResponseOp(ModifyResponse{std::move(result)});
    case OpTag::kAddResponse:
      return ResponseOp(AddResponse{std::move(result)});
    case OpTag::kDelResponse:
      return ResponseOp(DelResponse{std::move(result)});
    case OpTag::kModifyDnResponse:
      return ResponseOp(ModifyDnResponse{std::move(result)});
    case OpTag::kCompareResponse:
      return ResponseOp(CompareResponse{std::move(result)});
    default:
      return Status::invalid_argument("protocolOp [APPLICATION " +
                                      std::to_string(static_cast<std::uint32_t>(tag)) +
                                      "] is not a response");
  }
}

Status read_controls(Reader& message, std::vector<Control>& controls) {
  Result<Reader> list = message.read_constructed(ber::context_tag(0, true));
  if (!list.ok()) {
    return list.status().with_context("controls");
  }
  while (!list->at_end()) {
    Result<Reader> sequence = list->read_constructed();
    if (!sequence.ok()) {
      return sequence.status().with_context("control");
    }
    Control& control = controls.emplace_back();
    CAREID_RETURN_IF_ERROR(read_string(*sequence, control.type, "controlType"));
    if (sequence->next_is(ber::kBooleanTag)) {
      Result<bool> critical = sequence->read_boolean();
      if (!critical.ok()) {
        return critical.status().with_context("criticality");
      }
      control.criticality = *critical;
    }
    if (!sequence->at_end()) {
      CAREID_RETURN_IF_ERROR(read_string(*sequence, control.value.emplace(), "controlValue"));
    }
    CAREID_RETURN_IF_ERROR(sequence->expect_end("control"));
  }
  return Status::ok_status();
}

}  // namespace

Result<Response> decode_response(std::string_view pdu) {
  Reader top(pdu);
  Result<Reader> message = top.read_constructed();
  if (!message.ok()) {
    return message.status().with_context("LDAPMessage");
  }
  CAREID_RETURN_IF_ERROR(top.expect_end("LDAPMessage"));

  Response response;
  Result<std::int64_t> id = message->read_integer();
  if (!id.ok()) {
    return id.status().with_context("messageID");
  }
  if (*id < 0 || *id > kMaxInt) {
    return Status::invalid_argument("messageID " + std::to_string(*id) + " is outside 0..maxInt");
  }
  response.message_id = static_cast<std::int32_t>(*id);

  Result<ber::Tag> tag = message->peek_tag();
  if (!tag.ok()) {
    return tag.status().with_context("protocolOp");
  }
  if (tag->tag_class != ber::TagClass::kApplication || !tag->constructed) {
    return Status::invalid_argument("protocolOp has tag " + ber::describe_tag(*tag));
  }
  Result<Reader> body = message->read_constructed(*tag);
  if (!body.ok()) {
    return body.status().with_context("protocolOp");
  }
  Result<ResponseOp> op = read_response_op(*body, static_cast<OpTag>(tag->number));
  if (!op.ok()) {
    return op.status();
  }
  CAREID_RETURN_IF_ERROR(body->expect_end("protocolOp"));
  response.op = std::move(op).value();

  if (!message->at_end()) {
    CAREID_RETURN_IF_ERROR(read_controls(*message, response.controls));
  }
  CAREID_RETURN_IF_ERROR(message->expect_end("controls"));
  return response;
}

}  // namespace careid::directory::protocol
