#include "directory/server/audit_events.h"

#include "directory/protocol/controls.h"
#include "directory/server/sasl_external.h"

namespace careid::directory::server {
namespace {

std::string actor_name(const engine::Identity& identity) {
  return identity.dn.empty() ? audit::kAnonymous : identity.dn;
}

const char* modify_operation_name(protocol::ModifyOperation operation) {
  switch (operation) {
    case protocol::ModifyOperation::kAdd: return "add";
    case protocol::ModifyOperation::kDelete: return "delete";
    case protocol::ModifyOperation::kReplace: return "replace";
    case protocol::ModifyOperation::kIncrement: return "increment";
  }
  return "unknown";
}

audit::Event base_event(const char* type, const engine::Identity& actor, std::string subject,
                        std::string_view peer) {
  audit::Event event;
  event.type = type;
  event.actor = actor_name(actor);
  event.subject = std::move(subject);
  event.client = std::string(peer);
  return event;
}

// RFC 3062 2: without userIdentity the request changes the bound user's own password.
std::optional<audit::Event> describe_password_modify(const protocol::ExtendedRequest& request,
                                                     const engine::Identity& actor, std::string_view peer) {
  auto decoded = protocol::decode_password_modify(request.request_value.value_or(std::string()));
  std::string subject = actor.dn;
  if (decoded.ok() && decoded->user_identity.has_value()) {
    subject = *decoded->user_identity;
  }
  audit::Event event = base_event("ldap.password_modify", actor, std::move(subject), peer);
  event.details["generated"] = decoded.ok() && !decoded->new_password.has_value();
  return event;
}

}  // namespace

audit::Event describe_bind(const protocol::BindRequest& request, std::string_view peer) {
  audit::Event event = base_event("ldap.bind", engine::Identity{request.name, "", false}, request.name, peer);
  if (const auto* sasl = std::get_if<protocol::SaslCredentials>(&request.authentication)) {
    event.details["method"] = "sasl";
    event.details["mechanism"] = sasl->mechanism;
  } else {
    event.details["method"] = "simple";
  }
  return event;
}

void describe_client_certificate(audit::Event& event, const ClientCertificate* certificate,
                                 std::string_view suffix) {
  if (certificate == nullptr || !certificate->present) {
    return;
  }
  event.details["card_serial"] = certificate->serial_hex;
  std::string dn = external_bind_dn(*certificate, suffix);
  if (dn.empty()) {
    return;
  }
  event.details["uid"] = certificate->common_names.front();
  event.actor = dn;
  event.subject = std::move(dn);
}

std::optional<audit::Event> describe_update(const protocol::Request& request, const engine::Identity& actor,
                                            std::string_view peer) {
  if (const auto* add = std::get_if<protocol::AddRequest>(&request.op)) {
    audit::Event event = base_event("ldap.add", actor, add->entry, peer);
    nlohmann::json names = nlohmann::json::array();
    for (const auto& attribute : add->attributes) {
      names.push_back(attribute.type);
    }
    event.details["attributes"] = std::move(names);
    return event;
  }
  if (const auto* modify = std::get_if<protocol::ModifyRequest>(&request.op)) {
    audit::Event event = base_event("ldap.modify", actor, modify->object, peer);
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& change : modify->changes) {
      changes.push_back({{"operation", modify_operation_name(change.operation)},
                         {"attribute", change.modification.type}});
    }
    event.details["changes"] = std::move(changes);
    return event;
  }
  if (const auto* remove = std::get_if<protocol::DelRequest>(&request.op)) {
    return base_event("ldap.delete", actor, remove->entry, peer);
  }
  if (const auto* rename = std::get_if<protocol::ModifyDnRequest>(&request.op)) {
    audit::Event event = base_event("ldap.modify_dn", actor, rename->entry, peer);
    event.details["new_rdn"] = rename->new_rdn;
    event.details["delete_old_rdn"] = rename->delete_old_rdn;
    if (rename->new_superior.has_value()) {
      event.details["new_superior"] = *rename->new_superior;
    }
    return event;
  }
  const auto* extended = std::get_if<protocol::ExtendedRequest>(&request.op);
  if (extended != nullptr && extended->request_name == protocol::kPasswordModifyOid) {
    return describe_password_modify(*extended, actor, peer);
  }
  return std::nullopt;
}

void complete_event(audit::Event& event, const protocol::ResponseOp& response, const engine::Identity* bound) {
  const protocol::LdapResult* result = std::visit(
      [](const auto& op) -> const protocol::LdapResult* {
        if constexpr (requires { op.result; }) {
          return &op.result;
        } else {
          return nullptr;
        }
      },
      response);
  bool success = result != nullptr && result->result_code == ResultCode::kSuccess;
  event.outcome = success ? audit::kSuccess : audit::kFailure;
  if (result != nullptr) {
    event.details["result_code"] = static_cast<int>(result->result_code);
    if (!success && !result->diagnostic_message.empty()) {
      event.details["diagnostic"] = result->diagnostic_message;
    }
  }
  if (success && bound != nullptr && !bound->dn.empty()) {
    event.actor = bound->dn;
    event.subject = bound->dn;
  }
}

}  // namespace careid::directory::server
