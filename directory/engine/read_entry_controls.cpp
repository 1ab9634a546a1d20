// The engine's side of the controls that read the target of an update: pre-read and
// post-read (RFC 4527) and the assertion (RFC 4528). Both apply the access rules of a
// search, so a control never shows the identity what a search would not. On an update they
// run in the update's write transaction, because RFC 4527 3.1 and 3.2 and RFC 4528 3 make
// the control and the operation one atomic action.
#include "directory/engine/access_checks.h"
#include "directory/engine/attribute_selection.h"
#include "directory/engine/directory.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;

// The id of the stored entry named like `entry`, or std::nullopt when it is no longer
// stored (the pre-read entry of a delete). A target without an id gathers organisations
// from the entry alone, which grants less, never more.
std::optional<storage::EntryId> stored_id(const schema::Schema& schema,
                                          const storage::Transaction& txn, const Entry& entry) {
  auto name = name_dn(schema, entry.dn);
  if (!name.ok()) {
    return std::nullopt;
  }
  auto id = txn.find_id(name->normalised);
  return id.ok() ? std::optional<storage::EntryId>(*id) : std::nullopt;
}

// The stored entry with normalised DN `normalised` and its id, or std::nullopt when there
// is none or it cannot be read (the update itself then reports why).
std::optional<std::pair<Entry, storage::EntryId>> stored_entry(const storage::Transaction& txn,
                                                               std::string_view normalised) {
  if (normalised.empty()) {
    return std::nullopt;
  }
  auto id = txn.find_id(normalised);
  if (!id.ok()) {
    return std::nullopt;
  }
  auto entry = txn.get(*id);
  if (!entry.ok()) {
    return std::nullopt;
  }
  return std::pair<Entry, storage::EntryId>(std::move(*entry), *id);
}

}  // namespace

std::optional<protocol::SearchResultEntry> Directory::entry_as_read_by(
    Entry entry, const std::vector<std::string>& attributes, const Identity& identity) const {
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return std::nullopt;
  }
  const std::optional<storage::EntryId> id = stored_id(*schema_, *txn, entry);
  return read_as(*txn, std::move(entry), id, attributes, identity);
}

std::optional<protocol::SearchResultEntry> Directory::read_as(const storage::Transaction& txn, Entry entry,
                                                              std::optional<storage::EntryId> id,
                                                              const std::vector<std::string>& attributes,
                                                              const Identity& identity) const {
  const Selection selection = parse_selection(attributes);
  auto all = [](std::string_view) { return true; };
  if (options_.access_policy == nullptr) {
    return take_selected_attributes(*schema_, entry, {}, selection, false, identity.is_root, all);
  }

  const AccessGuard guard(*schema_, options_.access_policy.get(), identity, txn);
  const access::Target target = guard.target(txn, id, entry);
  if (!guard.allows(target, access::kEntryAttribute, access::kRead)) {
    return std::nullopt;
  }
  auto readable = [&](std::string_view description) {
    return guard.allows(target, description, access::kRead);
  };
  return take_selected_attributes(*schema_, entry, {}, selection, false, identity.is_root,
                                  readable);
}

Directory::AssertionOutcome Directory::check_assertion(const protocol::Filter& assertion,
                                                       const Entry& entry,
                                                       const Identity& identity) const {
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return AssertionOutcome::kFails;
  }
  return test_assertion(*txn, assertion, entry, stored_id(*schema_, *txn, entry), identity);
}

Directory::AssertionOutcome Directory::test_assertion(const storage::Transaction& txn,
                                                      const protocol::Filter& assertion, const Entry& entry,
                                                      std::optional<storage::EntryId> id,
                                                      const Identity& identity) const {
  FilterEvaluator evaluator(*schema_);
  if (options_.access_policy == nullptr) {
    return evaluator.evaluate(assertion, entry) == Truth::kTrue ? AssertionOutcome::kHolds
                                                                : AssertionOutcome::kFails;
  }

  // The evaluator queries the guard for each attribute, so the guard stays in scope until
  // the evaluation ends.
  const AccessGuard guard(*schema_, options_.access_policy.get(), identity, txn);
  const access::Target target = guard.target(txn, id, entry);
  if (!guard.allows(target, access::kEntryAttribute, access::kDisclose)) {
    return AssertionOutcome::kEntryHidden;
  }
  guard.restrict_filter(target, evaluator);
  return evaluator.evaluate(assertion, entry) == Truth::kTrue ? AssertionOutcome::kHolds
                                                              : AssertionOutcome::kFails;
}

std::optional<LdapResult> Directory::assertion_result(AssertionOutcome outcome, std::string_view dn) {
  if (outcome == AssertionOutcome::kFails) {
    return ldap_result(ResultCode::kAssertionFailed, "the entry does not match the assertion control");
  }
  if (outcome == AssertionOutcome::kEntryHidden) {
    return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + std::string(dn) + "'");
  }
  return std::nullopt;
}

std::optional<LdapResult> Directory::apply_controls_before(const storage::Transaction& txn,
                                                           const ControlledTarget& target) const {
  TargetControls& controls = *target.controls;
  auto before = stored_entry(txn, target.before);
  if (!before.has_value()) {
    return std::nullopt;  // the update reports the missing entry with its matchedDN
  }

  auto& [entry, id] = *before;
  if (controls.assertion != nullptr) {
    const AssertionOutcome outcome = test_assertion(txn, *controls.assertion, entry, id, *target.identity);
    if (auto failed = assertion_result(outcome, target.requested)) {
      return failed;
    }
  }
  if (controls.pre_read != nullptr) {
    controls.pre_read_entry = read_as(txn, std::move(entry), id, *controls.pre_read, *target.identity);
  }
  return std::nullopt;
}

void Directory::apply_controls_after(const storage::Transaction& txn, const ControlledTarget& target) const {
  TargetControls& controls = *target.controls;
  if (controls.post_read == nullptr) {
    return;
  }

  auto after = stored_entry(txn, target.after);
  if (after.has_value()) {
    auto& [entry, id] = *after;
    controls.post_read_entry = read_as(txn, std::move(entry), id, *controls.post_read, *target.identity);
  }
}

}  // namespace careid::directory::engine
