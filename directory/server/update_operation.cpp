#include "directory/server/update_operation.h"

#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"
#include "directory/server/operations.h"

namespace careid::directory::server {
namespace {

using engine::ldap_result;
using protocol::LdapResult;

// The entry for the assertion of an add: the entry the request would create.
Entry entry_to_add(const protocol::AddRequest& request) {
  Entry entry{request.entry, {}};
  for (const protocol::PartialAttribute& attribute : request.attributes) {
    entry.attributes.push_back(Attribute{attribute.type, attribute.values});
  }
  return entry;
}

// Builds a pre-read or post-read response control (RFC 4527 3.2) from the entry the
// engine read, or nothing when the identity may not read the entry.
void add_read_control(std::vector<protocol::Control>& controls, std::string_view oid,
                      const std::optional<protocol::SearchResultEntry>& entry) {
  if (entry.has_value()) {
    controls.push_back(protocol::Control{std::string(oid), false, protocol::encode_read_entry(*entry)});
  }
}

// RFC 4528 3 for an add, the one operation whose assertion the engine does not test: the
// entry does not exist yet, so the assertion is tested against the entry the request
// would create, whose values the client sent. Returns assertionFailed when it does not
// hold.
std::optional<LdapResult> check_add_assertion(const engine::Directory& directory, const protocol::AddRequest& add,
                                              const protocol::Filter& assertion) {
  engine::FilterEvaluator evaluator(directory.schema());
  if (evaluator.evaluate(assertion, entry_to_add(add)) == engine::Truth::kTrue) {
    return std::nullopt;
  }
  return ldap_result(ResultCode::kAssertionFailed, "the entry does not match the assertion control");
}

// The controls the engine evaluates in the operation's own transaction. An add tests its
// assertion here instead (check_add_assertion).
engine::TargetControls target_controls(const protocol::RequestOp& op, const RequestControls& controls) {
  engine::TargetControls target;
  if (controls.assertion.has_value() && !std::holds_alternative<protocol::AddRequest>(op)) {
    target.assertion = &*controls.assertion;
  }
  if (controls.pre_read.has_value()) {
    target.pre_read = &*controls.pre_read;
  }
  if (controls.post_read.has_value()) {
    target.post_read = &*controls.post_read;
  }
  return target;
}

LdapResult run_operation(engine::Directory& directory, const protocol::RequestOp& op, const RequestControls& controls,
                         const engine::Identity& identity, engine::TargetControls& target) {
  return std::visit(
      [&](const auto& request) -> LdapResult {
        using Op = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Op, protocol::AddRequest>) {
          return directory.add(request, identity, &target);
        } else if constexpr (std::is_same_v<Op, protocol::ModifyRequest>) {
          return controls.permissive_modify ? directory.modify(directory.make_permissive(request), identity, &target)
                                            : directory.modify(request, identity, &target);
        } else if constexpr (std::is_same_v<Op, protocol::DelRequest>) {
          return controls.subtree_delete ? directory.remove_subtree(request, identity, &target)
                                         : directory.remove(request, identity, &target);
        } else if constexpr (std::is_same_v<Op, protocol::ModifyDnRequest>) {
          return directory.modify_dn(request, identity, &target);
        } else if constexpr (std::is_same_v<Op, protocol::CompareRequest>) {
          return directory.compare(request, identity, target.assertion);
        } else {
          return ldap_result(ResultCode::kProtocolError, "not an update or compare request");
        }
      },
      op);
}

}  // namespace

UpdateOutcome run_update(engine::Directory& directory, const protocol::Request& request,
                         const RequestControls& controls, const engine::Identity& identity) {
  engine::TargetControls target = target_controls(request.op, controls);
  const auto* add = std::get_if<protocol::AddRequest>(&request.op);
  if (add != nullptr && controls.assertion.has_value()) {
    if (auto failed = check_add_assertion(directory, *add, *controls.assertion)) {
      return {response_for(request.op, std::move(*failed)), {}};
    }
  }

  LdapResult result = run_operation(directory, request.op, controls, identity, target);
  const bool succeeded = result.result_code == ResultCode::kSuccess;
  UpdateOutcome outcome{response_for(request.op, std::move(result)), {}};
  if (succeeded) {
    add_read_control(outcome.controls, protocol::kPreReadOid, target.pre_read_entry);
    add_read_control(outcome.controls, protocol::kPostReadOid, target.post_read_entry);
  }
  return outcome;
}

}  // namespace careid::directory::server
