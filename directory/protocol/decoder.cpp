#include "directory/protocol/decoder.h"

#include <utility>

#include "directory/ber/reader.h"
#include "directory/protocol/request_ops.h"

namespace careid::directory::protocol {
namespace {

using ber::Reader;

DecodeError invalid_message(std::string diagnostic) {
  DecodeError error;
  error.kind = DecodeErrorKind::kInvalidMessage;
  error.diagnostic = std::move(diagnostic);
  return error;
}

DecodeError invalid_operation(std::int32_t message_id, std::uint32_t tag_number, LdapError cause) {
  DecodeError error;
  error.kind = DecodeErrorKind::kInvalidOperation;
  error.message_id = message_id;
  error.op_tag_number = tag_number;
  if (tag_number <= static_cast<std::uint32_t>(OpTag::kIntermediateResponse)) {
    error.response_tag = response_tag_for(static_cast<OpTag>(tag_number));
  }
  error.result_code = cause.code;
  error.diagnostic = std::move(cause.diagnostic);
  return error;
}

// Control ::= SEQUENCE { controlType LDAPOID, criticality BOOLEAN DEFAULT FALSE,
//                        controlValue OCTET STRING OPTIONAL }   (RFC 4511 4.1.11)
Result<Control, LdapError> decode_control(Reader& controls) {
  Result<Reader> sequence = controls.read_constructed();
  if (!sequence.ok()) {
    return detail::to_ldap_error(sequence.status(), "control");
  }

  Control control;
  Result<std::string_view> type = sequence->read_octet_string();
  if (!type.ok()) {
    return detail::to_ldap_error(type.status(), "controlType");
  }
  if (type->empty()) {
    return LdapError{ResultCode::kProtocolError, "empty controlType", {}};
  }
  control.type = std::string(*type);

  if (sequence->next_is(ber::kBooleanTag)) {
    Result<bool> critical = sequence->read_boolean();
    if (!critical.ok()) {
      return detail::to_ldap_error(critical.status(), "criticality");
    }
    control.criticality = *critical;
  }
  if (!sequence->at_end()) {
    Result<std::string_view> value = sequence->read_octet_string();
    if (!value.ok()) {
      return detail::to_ldap_error(value.status(), "controlValue");
    }
    control.value = std::string(*value);
  }

  Status end = sequence->expect_end("control");
  if (!end.ok()) {
    return detail::to_ldap_error(end, "control");
  }
  return control;
}

Result<std::vector<Control>, LdapError> decode_controls(Reader& message,
                                                        const DecodeLimits& limits) {
  std::vector<Control> controls;
  Result<Reader> sequence = message.read_constructed(ber::context_tag(0, true));
  if (!sequence.ok()) {
    return detail::to_ldap_error(sequence.status(), "controls");
  }
  while (!sequence->at_end()) {
    if (controls.size() >= limits.max_list_elements) {
      return LdapError{ResultCode::kAdminLimitExceeded,
                       "more than " + std::to_string(limits.max_list_elements) + " controls",
                       {}};
    }
    Result<Control, LdapError> control = decode_control(*sequence);
    if (!control.ok()) {
      return control.error();
    }
    controls.push_back(std::move(control).value());
  }
  return controls;
}

}  // namespace

Result<Request, DecodeError> decode_request(std::string_view pdu, const DecodeLimits& limits) {
  // The envelope: LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL }.
  Reader top(pdu);
  Result<Reader> message = top.read_constructed();
  if (!message.ok()) {
    return invalid_message(message.status().with_context("LDAPMessage").message());
  }
  if (!top.at_end()) {
    return invalid_message("octets after the end of the LDAPMessage");
  }

  Result<std::int64_t> id = message->read_integer();
  if (!id.ok()) {
    return invalid_message(id.status().with_context("messageID").message());
  }
  if (*id < 1 || *id > kMaxInt) {
    return invalid_message("messageID " + std::to_string(*id) + " is outside 1..maxInt");
  }
  auto message_id = static_cast<std::int32_t>(*id);

  // Keep a reader at the protocolOp so the operation decoder reads the whole element.
  Reader op = *message;
  Result<ber::Element> op_element = message->read_element();
  if (!op_element.ok()) {
    return invalid_message(op_element.status().with_context("protocolOp").message());
  }
  const ber::Tag& tag = op_element->tag;
  if (tag.tag_class != ber::TagClass::kApplication) {
    return invalid_message("protocolOp has non-application tag " + ber::describe_tag(tag));
  }

  // Anything after the optional controls is a broken envelope, so check before decoding.
  Reader rest = *message;
  if (!rest.at_end() && !rest.skip_element().ok()) {
    return invalid_message("malformed element after protocolOp");
  }
  if (!rest.at_end()) {
    return invalid_message("unexpected element after controls");
  }
  if (!message->at_end() && !message->next_is(ber::context_tag(0, true))) {
    return invalid_message("element after protocolOp is not controls [0]");
  }

  Request request;
  request.message_id = message_id;
  if (!message->at_end()) {
    Result<std::vector<Control>, LdapError> controls = decode_controls(*message, limits);
    if (!controls.ok()) {
      return invalid_operation(message_id, tag.number, controls.error());
    }
    request.controls = std::move(controls).value();
  }

  Result<RequestOp, LdapError> decoded =
      detail::decode_request_op(op, static_cast<OpTag>(tag.number), limits);
  if (!decoded.ok()) {
    return invalid_operation(message_id, tag.number, decoded.error());
  }
  request.op = std::move(decoded).value();
  return request;
}

}  // namespace careid::directory::protocol
