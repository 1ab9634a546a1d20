#include "directory/server/operations.h"

#include <string_view>

#include "directory/engine/naming.h"
#include "directory/engine/special_entries.h"
#include "directory/protocol/controls.h"
#include "directory/server/request_controls.h"
#include "directory/server/update_operation.h"

namespace careid::directory::server {
namespace {

using engine::ldap_result;
using protocol::LdapResult;

// RFC 3062: the response carries genPasswd only when the server generated the password.
protocol::ExtendedResponse password_modify(engine::Directory& directory, const protocol::ExtendedRequest& request,
                                           const engine::Identity& identity) {
  protocol::ExtendedResponse response;
  auto decoded = protocol::decode_password_modify(request.request_value.value_or(std::string()));
  if (!decoded.ok()) {
    response.result = ldap_result(ResultCode::kProtocolError, decoded.status().message());
    return response;
  }
  engine::PasswordChange change = directory.modify_password(*decoded, identity);
  response.result = std::move(change.result);
  if (change.generated_password.has_value()) {
    response.response_value = protocol::encode_password_modify_response(change.generated_password);
  }
  return response;
}

// RFC 4511 4.12: an unknown requestName gets protocolError. StartTLS (RFC 4513 3) is
// recognised but TLS is not configured on this listener.
protocol::ExtendedResponse extended(engine::Directory& directory, const protocol::ExtendedRequest& request,
                                    const engine::Identity& identity) {
  protocol::ExtendedResponse response;
  if (request.request_name == protocol::kPasswordModifyOid) {
    return password_modify(directory, request, identity);
  }
  if (request.request_name == engine::kWhoAmIOid) {
    // RFC 4532: the authorization identity, "dn:<DN>" or empty for anonymous.
    response.result = ldap_result(ResultCode::kSuccess);
    response.response_value = identity.dn.empty() ? "" : "dn:" + identity.dn;
    return response;
  }
  if (request.request_name == "1.3.6.1.4.1.1466.20037") {
    response.result = ldap_result(ResultCode::kUnavailable, "StartTLS is not configured on this server; use LDAPS or plain LDAP on loopback");
    response.response_name = request.request_name;
    return response;
  }
  response.result = ldap_result(ResultCode::kProtocolError,
                                "unsupported extended operation '" + request.request_name + "'");
  return response;
}

// Runs a bind. With `cheap_only`, returns std::nullopt where Directory::bind_simple_if_cheap
// does, before anything is written.
std::optional<OperationOutcome> bind(engine::Directory& directory, const protocol::BindRequest& request,
                                     bool cheap_only) {
  OperationOutcome outcome;
  outcome.new_identity = engine::Identity{};
  protocol::BindResponse response;

  if (request.version != 3) {
    response.result = ldap_result(ResultCode::kProtocolError, "only LDAP version 3 is supported");
  } else if (std::holds_alternative<protocol::SaslCredentials>(request.authentication)) {
    const auto& sasl = std::get<protocol::SaslCredentials>(request.authentication);
    response.result = ldap_result(ResultCode::kAuthMethodNotSupported,
                                  "SASL mechanism '" + sasl.mechanism + "' is not supported; use simple bind");
  } else {
    const auto& simple = std::get<protocol::SimpleCredentials>(request.authentication);
    engine::Identity identity;
    std::optional<LdapResult> result = cheap_only
                                           ? directory.bind_simple_if_cheap(request.name, simple.password, identity)
                                           : directory.bind_simple(request.name, simple.password, identity);
    if (!result.has_value()) {
      return std::nullopt;
    }
    response.result = std::move(*result);
    if (response.result.result_code == ResultCode::kSuccess) {
      outcome.new_identity = std::move(identity);
    }
  }
  outcome.response = std::move(response);
  return outcome;
}

OperationOutcome rejected_by_controls(const protocol::Request& request, LdapResult rejected) {
  OperationOutcome outcome{response_for(request.op, std::move(rejected)), std::nullopt, {}};
  if (std::holds_alternative<protocol::BindRequest>(request.op)) {
    outcome.new_identity = engine::Identity{};
  }
  return outcome;
}

}  // namespace

std::optional<LdapResult> check_controls(const protocol::Request& request) {
  auto controls = decode_request_controls(request);
  if (!controls.ok()) {
    return controls.error();
  }
  return std::nullopt;
}

protocol::ResponseOp response_for(const protocol::RequestOp& request, LdapResult result) {
  switch (protocol::op_tag(request)) {
    case protocol::OpTag::kBindRequest: return protocol::BindResponse{std::move(result), std::nullopt};
    case protocol::OpTag::kSearchRequest: return protocol::SearchResultDone{std::move(result)};
    case protocol::OpTag::kModifyRequest: return protocol::ModifyResponse{std::move(result)};
    case protocol::OpTag::kAddRequest: return protocol::AddResponse{std::move(result)};
    case protocol::OpTag::kDelRequest: return protocol::DelResponse{std::move(result)};
    case protocol::OpTag::kModifyDnRequest: return protocol::ModifyDnResponse{std::move(result)};
    case protocol::OpTag::kCompareRequest: return protocol::CompareResponse{std::move(result)};
    default: return protocol::ExtendedResponse{std::move(result), std::nullopt, std::nullopt};
  }
}

OperationOutcome execute(engine::Directory& directory, const protocol::Request& request,
                         const engine::Identity& identity) {
  if (auto rejected = check_controls(request)) {
    return rejected_by_controls(request, std::move(*rejected));
  }

  return std::visit(
      [&](const auto& op) -> OperationOutcome {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, protocol::BindRequest>) {
          return *bind(directory, op, false);
        } else if constexpr (std::is_same_v<Op, protocol::ExtendedRequest>) {
          return {extended(directory, op, identity), std::nullopt, {}};
        } else if constexpr (std::is_same_v<Op, protocol::AddRequest> || std::is_same_v<Op, protocol::ModifyRequest> ||
                             std::is_same_v<Op, protocol::DelRequest> || std::is_same_v<Op, protocol::ModifyDnRequest> ||
                             std::is_same_v<Op, protocol::CompareRequest>) {
          auto controls = decode_request_controls(request);
          UpdateOutcome update = run_update(directory, request, *controls, identity);
          return {std::move(update.response), std::nullopt, std::move(update.controls)};
        } else {
          return {response_for(request.op, ldap_result(ResultCode::kProtocolError,
                                                       "this operation has no response")),
                  std::nullopt, {}};
        }
      },
      request.op);
}

std::optional<OperationOutcome> execute_bind_if_cheap(engine::Directory& directory, const protocol::Request& request) {
  if (auto rejected = check_controls(request)) {
    return rejected_by_controls(request, std::move(*rejected));
  }
  return bind(directory, std::get<protocol::BindRequest>(request.op), true);
}

}  // namespace careid::directory::server
