#include "directory/server/update_operation.h"

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
// attributes `identity` may read. Returns std::nullopt, and the response carries no
// control, when the identity may not read the entry.
std::optional<protocol::Control> read_control(const engine::Directory& directory, std::string_view oid,
                                              Entry entry, const std::vector<std::string>& attributes,
                                              const engine::Identity& identity) {
  auto selected = directory.entry_as_read_by(std::move(entry), attributes, identity);
  if (!selected.has_value()) {
    return std::nullopt;
  }
  return protocol::Control{std::string(oid), false, protocol::encode_read_entry(*selected)};
}

// RFC 4528 3: the operation runs only when the target entry matches the assertion.
// Returns the result to send instead when it does not. An add is checked against the
// entry it would create, whose values the client sent. A missing target is left to the
// operation, which reports noSuchObject. A target the identity may not see is reported
// the same way, so the assertion reveals nothing about it.
std::optional<LdapResult> check_assertion(const engine::Directory& directory, const protocol::RequestOp& op,
                                          const std::string& target, const std::optional<Entry>& before,
                                          const protocol::Filter& assertion, const engine::Identity& identity) {
  using Outcome = engine::Directory::AssertionOutcome;
  Outcome outcome = Outcome::kHolds;
  if (const auto* add = std::get_if<protocol::AddRequest>(&op)) {
    engine::FilterEvaluator evaluator(directory.schema());
    const bool matches = evaluator.evaluate(assertion, entry_to_add(*add)) == engine::Truth::kTrue;
    outcome = matches ? Outcome::kHolds : Outcome::kFails;
  } else if (before.has_value()) {
    outcome = directory.check_assertion(assertion, *before, identity);
  }

  if (outcome == Outcome::kFails) {
    return ldap_result(ResultCode::kAssertionFailed, "the entry does not match the assertion control");
  }
  if (outcome == Outcome::kEntryHidden) {
    return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + target + "'");
  }
  return std::nullopt;
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

  if (controls.assertion.has_value()) {
    if (auto failed = check_assertion(directory, request.op, target, before, *controls.assertion, identity)) {
      return {response_for(request.op, std::move(*failed)), {}};
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
    auto control = read_control(directory, protocol::kPreReadOid, std::move(*before), *controls.pre_read, identity);
    if (control.has_value()) {
      outcome.controls.push_back(std::move(*control));
    }
  }
  if (controls.post_read.has_value()) {
    const auto* rename = std::get_if<protocol::ModifyDnRequest>(&request.op);
    auto after = directory.read_entry(rename != nullptr ? renamed_dn(*rename) : target);
    if (after.ok() && after->has_value()) {
      auto control = read_control(directory, protocol::kPostReadOid, std::move(**after), *controls.post_read, identity);
      if (control.has_value()) {
        outcome.controls.push_back(std::move(*control));
      }
    }
  }
  return outcome;
}

}  // namespace careid::directory::server
