#include "directory/protocol/request_ops.h"

#include <utility>

namespace careid::directory::protocol::detail {
namespace {

using ber::Reader;

LdapError protocol_error(std::string diagnostic) {
  return LdapError{ResultCode::kProtocolError, std::move(diagnostic), {}};
}

// Reads an OCTET STRING field into `out`, naming `field` in the error.
Result<bool, LdapError> read_string(Reader& reader, std::string& out, std::string_view field,
                                    const ber::Tag& tag = ber::kOctetStringTag) {
  Result<std::string_view> value = reader.read_octet_string(tag);
  if (!value.ok()) {
    return to_ldap_error(value.status(), field);
  }
  out = std::string(*value);
  return true;
}

// Reads an INTEGER or ENUMERATED field and checks it is in [min, max].
Result<std::int64_t, LdapError> read_ranged(Reader& reader, bool enumerated, std::int64_t min,
                                            std::int64_t max, std::string_view field) {
  Result<std::int64_t> value = enumerated ? reader.read_enumerated() : reader.read_integer();
  if (!value.ok()) {
    return to_ldap_error(value.status(), field);
  }
  if (*value < min || *value > max) {
    return protocol_error(std::string(field) + " " + std::to_string(*value) + " is outside " +
                          std::to_string(min) + ".." + std::to_string(max));
  }
  return *value;
}

Result<bool, LdapError> check_end(const Reader& reader, std::string_view element_name) {
  Status status = reader.expect_end(element_name);
  if (!status.ok()) {
    return to_ldap_error(status, element_name);
  }
  return true;
}

Result<bool, LdapError> check_list_size(std::size_t size, const DecodeLimits& limits,
                                        std::string_view list_name) {
  if (size < limits.max_list_elements) {
    return true;
  }
  return LdapError{ResultCode::kAdminLimitExceeded,
                   std::string(list_name) + " has more than " +
                       std::to_string(limits.max_list_elements) + " elements",
                   {}};
}

// Opens the constructed APPLICATION `tag` element that contains an operation.
Result<Reader, LdapError> open_op(Reader& op, OpTag tag) {
  Result<Reader> body =
      op.read_constructed(ber::application_tag(static_cast<std::uint32_t>(tag), true));
  if (!body.ok()) {
    return to_ldap_error(body.status(), "protocolOp");
  }
  return std::move(body).value();
}

// Returns the LdapError of `expr`, a Result<T, LdapError>, from the enclosing function when
// it failed.
#define CAREID_TRY_LDAP(expr)     \
  do {                            \
    auto careid_try_ = (expr);    \
    if (!careid_try_.ok()) {      \
      return careid_try_.error(); \
    }                             \
  } while (0)

// PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF AttributeValue }
Result<PartialAttribute, LdapError> read_partial_attribute(Reader& reader,
                                                           const DecodeLimits& limits) {
  Result<Reader> sequence = reader.read_constructed();
  if (!sequence.ok()) {
    return to_ldap_error(sequence.status(), "attribute");
  }
  PartialAttribute attribute;
  CAREID_TRY_LDAP(read_string(*sequence, attribute.type, "attribute type"));
  if (attribute.type.empty()) {
    return protocol_error("empty attribute description");
  }

  Result<Reader> values = sequence->read_constructed(ber::kSetTag);
  if (!values.ok()) {
    return to_ldap_error(values.status(), "attribute values");
  }
  while (!values->at_end()) {
    CAREID_TRY_LDAP(check_list_size(attribute.values.size(), limits, "attribute value set"));
    CAREID_TRY_LDAP(read_string(*values, attribute.values.emplace_back(), "attribute value"));
  }
  CAREID_TRY_LDAP(check_end(*sequence, "attribute"));
  return attribute;
}

Result<RequestOp, LdapError> decode_bind(Reader& op) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kBindRequest);
  CAREID_TRY_LDAP(body);

  BindRequest request;
  Result<std::int64_t, LdapError> version = read_ranged(*body, false, 1, 127, "bind version");
  CAREID_TRY_LDAP(version);
  request.version = static_cast<int>(*version);
  CAREID_TRY_LDAP(read_string(*body, request.name, "bind name"));

  // AuthenticationChoice: simple [0] OCTET STRING or sasl [3] SaslCredentials.
  if (body->next_is(ber::context_tag(0))) {
    SimpleCredentials simple;
    CAREID_TRY_LDAP(read_string(*body, simple.password, "simple password", ber::context_tag(0)));
    request.authentication = std::move(simple);
  } else if (body->next_is(ber::context_tag(3, true))) {
    Result<Reader> sasl = body->read_constructed(ber::context_tag(3, true));
    if (!sasl.ok()) {
      return to_ldap_error(sasl.status(), "SASL credentials");
    }
    SaslCredentials credentials;
    CAREID_TRY_LDAP(read_string(*sasl, credentials.mechanism, "SASL mechanism"));
    if (!sasl->at_end()) {
      CAREID_TRY_LDAP(read_string(*sasl, credentials.credentials.emplace(), "SASL credentials"));
    }
    CAREID_TRY_LDAP(check_end(*sasl, "SASL credentials"));
    request.authentication = std::move(credentials);
  } else {
    Result<ber::Tag> tag = body->peek_tag();
    if (!tag.ok()) {
      return to_ldap_error(tag.status(), "bind authentication");
    }
    return LdapError{ResultCode::kAuthMethodNotSupported,
                     "unsupported bind authentication choice " + ber::describe_tag(*tag),
                     {}};
  }

  CAREID_TRY_LDAP(check_end(*body, "BindRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_search(Reader& op, const DecodeLimits& limits) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kSearchRequest);
  CAREID_TRY_LDAP(body);

  SearchRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.base_object, "baseObject"));
  auto scope = read_ranged(*body, true, 0, 2, "scope");
  CAREID_TRY_LDAP(scope);
  request.scope = static_cast<SearchScope>(*scope);
  auto deref = read_ranged(*body, true, 0, 3, "derefAliases");
  CAREID_TRY_LDAP(deref);
  request.deref_aliases = static_cast<DerefAliases>(*deref);
  auto size_limit = read_ranged(*body, false, 0, kMaxInt, "sizeLimit");
  CAREID_TRY_LDAP(size_limit);
  request.size_limit = static_cast<std::int32_t>(*size_limit);
  auto time_limit = read_ranged(*body, false, 0, kMaxInt, "timeLimit");
  CAREID_TRY_LDAP(time_limit);
  request.time_limit = static_cast<std::int32_t>(*time_limit);

  Result<bool> types_only = body->read_boolean();
  if (!types_only.ok()) {
    return to_ldap_error(types_only.status(), "typesOnly");
  }
  request.types_only = *types_only;

  Result<Filter> filter = decode_filter(*body, limits.filter);
  if (!filter.ok()) {
    return to_ldap_error(filter.status(), "filter");
  }
  request.filter = std::move(filter).value();

  Result<Reader> selection = body->read_constructed();
  if (!selection.ok()) {
    return to_ldap_error(selection.status(), "attributes");
  }
  while (!selection->at_end()) {
    CAREID_TRY_LDAP(check_list_size(request.attributes.size(), limits, "attribute selection"));
    CAREID_TRY_LDAP(
        read_string(*selection, request.attributes.emplace_back(), "attribute selector"));
  }
  CAREID_TRY_LDAP(check_end(*body, "SearchRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_modify(Reader& op, const DecodeLimits& limits) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kModifyRequest);
  CAREID_TRY_LDAP(body);

  ModifyRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.object, "object"));
  Result<Reader> changes = body->read_constructed();
  if (!changes.ok()) {
    return to_ldap_error(changes.status(), "changes");
  }
  while (!changes->at_end()) {
    CAREID_TRY_LDAP(check_list_size(request.changes.size(), limits, "changes"));
    Result<Reader> change = changes->read_constructed();
    if (!change.ok()) {
      return to_ldap_error(change.status(), "change");
    }
    auto operation = read_ranged(*change, true, 0, 3, "modify operation");
    CAREID_TRY_LDAP(operation);
    auto attribute = read_partial_attribute(*change, limits);
    CAREID_TRY_LDAP(attribute);
    CAREID_TRY_LDAP(check_end(*change, "change"));
    request.changes.push_back(
        Modification{static_cast<ModifyOperation>(*operation), std::move(attribute).value()});
  }
  CAREID_TRY_LDAP(check_end(*body, "ModifyRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_add(Reader& op, const DecodeLimits& limits) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kAddRequest);
  CAREID_TRY_LDAP(body);

  AddRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.entry, "entry"));
  Result<Reader> attributes = body->read_constructed();
  if (!attributes.ok()) {
    return to_ldap_error(attributes.status(), "attributes");
  }
  while (!attributes->at_end()) {
    CAREID_TRY_LDAP(check_list_size(request.attributes.size(), limits, "attribute list"));
    auto attribute = read_partial_attribute(*attributes, limits);
    CAREID_TRY_LDAP(attribute);
    // RFC 4511 4.7: Attribute is a PartialAttribute with at least one value.
    if (attribute->values.empty()) {
      return protocol_error("attribute " + attribute->type + " has no values");
    }
    request.attributes.push_back(std::move(attribute).value());
  }
  CAREID_TRY_LDAP(check_end(*body, "AddRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_modify_dn(Reader& op) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kModifyDnRequest);
  CAREID_TRY_LDAP(body);

  ModifyDnRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.entry, "entry"));
  CAREID_TRY_LDAP(read_string(*body, request.new_rdn, "newrdn"));
  Result<bool> delete_old = body->read_boolean();
  if (!delete_old.ok()) {
    return to_ldap_error(delete_old.status(), "deleteoldrdn");
  }
  request.delete_old_rdn = *delete_old;
  if (!body->at_end()) {
    CAREID_TRY_LDAP(
        read_string(*body, request.new_superior.emplace(), "newSuperior", ber::context_tag(0)));
  }
  CAREID_TRY_LDAP(check_end(*body, "ModifyDNRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_compare(Reader& op) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kCompareRequest);
  CAREID_TRY_LDAP(body);

  CompareRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.entry, "entry"));
  Result<Reader> ava = body->read_constructed();
  if (!ava.ok()) {
    return to_ldap_error(ava.status(), "ava");
  }
  CAREID_TRY_LDAP(read_string(*ava, request.assertion.attribute_desc, "attributeDesc"));
  CAREID_TRY_LDAP(read_string(*ava, request.assertion.assertion_value, "assertionValue"));
  if (request.assertion.attribute_desc.empty()) {
    return protocol_error("empty attribute description in compare");
  }
  CAREID_TRY_LDAP(check_end(*ava, "ava"));
  CAREID_TRY_LDAP(check_end(*body, "CompareRequest"));
  return RequestOp(std::move(request));
}

Result<RequestOp, LdapError> decode_extended(Reader& op) {
  Result<Reader, LdapError> body = open_op(op, OpTag::kExtendedRequest);
  CAREID_TRY_LDAP(body);

  ExtendedRequest request;
  CAREID_TRY_LDAP(read_string(*body, request.request_name, "requestName", ber::context_tag(0)));
  if (!body->at_end()) {
    CAREID_TRY_LDAP(
        read_string(*body, request.request_value.emplace(), "requestValue", ber::context_tag(1)));
  }
  CAREID_TRY_LDAP(check_end(*body, "ExtendedRequest"));
  return RequestOp(std::move(request));
}

}  // namespace

LdapError to_ldap_error(const Status& status, std::string_view context) {
  ResultCode code = status.code() == StatusCode::kResourceExhausted
                        ? ResultCode::kAdminLimitExceeded
                        : ResultCode::kProtocolError;
  return LdapError{code, status.with_context(context).message(), {}};
}

Result<RequestOp, LdapError> decode_request_op(Reader op, OpTag tag, const DecodeLimits& limits) {
  switch (tag) {
    case OpTag::kBindRequest:
      return decode_bind(op);
    case OpTag::kUnbindRequest: {
      Status status = op.read_null(ber::application_tag(2));
      if (!status.ok()) {
        return to_ldap_error(status, "UnbindRequest");
      }
      return RequestOp(UnbindRequest{});
    }
    case OpTag::kSearchRequest:
      return decode_search(op, limits);
    case OpTag::kModifyRequest:
      return decode_modify(op, limits);
    case OpTag::kAddRequest:
      return decode_add(op, limits);
    case OpTag::kDelRequest: {
      DelRequest request;
      CAREID_TRY_LDAP(read_string(op, request.entry, "DelRequest", ber::application_tag(10)));
      return RequestOp(std::move(request));
    }
    case OpTag::kModifyDnRequest:
      return decode_modify_dn(op);
    case OpTag::kCompareRequest:
      return decode_compare(op);
    case OpTag::kAbandonRequest: {
      Result<std::int64_t> id = op.read_integer(ber::application_tag(16));
      if (!id.ok()) {
        return to_ldap_error(id.status(), "AbandonRequest");
      }
      if (*id < 0 || *id > kMaxInt) {
        return protocol_error("abandoned messageID " + std::to_string(*id) +
                              " is outside 0..maxInt");
      }
      return RequestOp(AbandonRequest{static_cast<std::int32_t>(*id)});
    }
    case OpTag::kExtendedRequest:
      return decode_extended(op);
    default:
      return protocol_error("protocolOp [APPLICATION " +
                            std::to_string(static_cast<std::uint32_t>(tag)) + "] is not a request");
  }
}

}  // namespace careid::directory::protocol::detail
