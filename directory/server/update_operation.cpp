#include "directory/server/update_operation.h"

#include "directory/engine/attribute_selection.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"
#include "directory/server/operations.h"

namespace careid::directory::server {
namespace {

using engine::ldap_result;
using protocol::LdapResult;

// The DN the operation targets: the entry named in the request.
std::string target_of(const protocol::RequestOp& op) {
  return std::visit(
      [](const auto& request) -> std::string {
        using Op = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Op, protocol::ModifyRequest>) {
          return request.object;
        } else if constexpr (requires { request.entry; }) {
          return request.entry;
        } else {
          return {};
        }
      },
      op);
}

// The entry's DN after a successful modify DN: newrdn under newSuperior or the old parent.
std::string renamed_dn(const protocol::ModifyDnRequest& request) {
  auto old_name = dn::Dn::parse(request.entry);
  auto new_rdn = dn::Dn::parse(request.new_rdn);
  if (!old_name.ok() || !new_rdn.ok() || new_rdn->depth() != 1) {
    return request.entry;
  }
  dn::Dn parent = old_name->parent();
  if (request.new_superior.has_value()) {
    auto superior = dn::Dn::parse(*request.new_superior);
    parent = superior.ok() ? *superior : parent;
  }
  return parent.child(new_rdn->rdn()).to_string();
}

// The entry for the assertion of an add: the entry the request would create.
Entry entry_to_add(const protocol::AddRequest& request) {
  Entry entry{request.entry, {}};
  for (const protocol::PartialAttribute& attribute : request.attributes) {
    entry.attributes.push_back(Attribute{attribute.type, attribute.values});
  }
  return entry;
}

// Builds a pre-read or post-read response control from `entry` (RFC 4527 3.2), with the
// access rules of a search by `identity`.
protocol::Control read_control(const engine::Directory& directory, std::string_view oid, const Entry& entry,
                               const std::vector<std::string>& attributes, const engine::Identity& identity) {
  engine::Selection selection = engine::parse_selection(attributes);
  protocol::SearchResultEntry selected =
      engine::select_attributes(directory.schema(), entry, {}, selection, false, identity.is_root);
  return protocol::Control{std::string(oid), false, protocol::encode_read_entry(selected)};
}

LdapResult run_operation(engine::Directory& directory, const protocol::RequestOp& op, const RequestControls& controls,
                         const engine::Identity& identity) {
  return std::visit(
      [&](const auto& request) -> LdapResult {
        using Op = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Op, protocol::AddRequest>) {
          return directory.add(request, identity);
        } else if constexpr (std::is_same_v<Op, protocol::ModifyRequest>) {
          return controls.permissive_modify ? directory.modify(directory.make_permissive(request), identity)
                                            : directory.modify(request, identity);
        } else if constexpr (std::is_same_v<Op, protocol::DelRequest>) {
          return controls.subtree_delete ? directory.remove_subtree(request, identity)
                                         : directory.remove(request, identity);
        } else if constexpr (std::is_same_v<Op, protocol::ModifyDnRequest>) {
          return directory.modify_dn(request, identity);
        } else if constexpr (std::is_same_v<Op, protocol::CompareRequest>) {
          return directory.compare(request, identity);
        } else {
          return ldap_result(ResultCode::kProtocolError, "not an update or compare request");
        }
      },
      op);
}

}  // namespace

UpdateOutcome run_update(engine::Directory& directory, const protocol::Request& request,
                         const RequestControls& controls, const engine::Identity& identity) {
  const std::string target = target_of(request.op);
  std::optional<Entry> before;
  if (controls.assertion.has_value() || controls.pre_read.has_value()) {
    auto read = directory.read_entry(target);
    if (read.ok() && read->has_value()) {
      before = std::move(**read);
    }
  }

  // RFC 4528 3: the operation runs only when the target entry matches the assertion.
  // An add is checked against the entry it would create; a missing target is left to the
  // operation, which reports noSuchObject.
  if (controls.assertion.has_value()) {
    const auto* add = std::get_if<protocol::AddRequest>(&request.op);
    std::optional<Entry> asserted = add != nullptr ? std::optional<Entry>(entry_to_add(*add)) : before;
    engine::FilterEvaluator evaluator(directory.schema());
    if (asserted.has_value() && evaluator.evaluate(*controls.assertion, *asserted) != engine::Truth::kTrue) {
      return {response_for(request.op, ldap_result(ResultCode::kAssertionFailed,
                                                   "the entry does not match the assertion control")),
              {}};
    }
  }

  UpdateOutcome outcome{response_for(request.op, run_operation(directory, request.op, controls, identity)), {}};
  const bool succeeded = std::visit(
      [](const auto& response) {
        if constexpr (requires { response.result; }) {
          return response.result.result_code == ResultCode::kSuccess;
        } else {
          return false;
        }
      },
      outcome.response);
  if (!succeeded) {
    return outcome;
  }
  if (controls.pre_read.has_value() && before.has_value()) {
    outcome.controls.push_back(read_control(directory, protocol::kPreReadOid, *before, *controls.pre_read, identity));
  }
  if (controls.post_read.has_value()) {
    const auto* rename = std::get_if<protocol::ModifyDnRequest>(&request.op);
    auto after = directory.read_entry(rename != nullptr ? renamed_dn(*rename) : target);
    if (after.ok() && after->has_value()) {
      outcome.controls.push_back(read_control(directory, protocol::kPostReadOid, **after, *controls.post_read, identity));
    }
  }
  return outcome;
}

}  // namespace careid::directory::server
