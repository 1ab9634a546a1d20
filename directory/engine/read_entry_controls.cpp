// The engine's side of the controls that read the target of an update: pre-read and
// post-read (RFC 4527) and the assertion (RFC 4528). Both apply the access rules of a
// search, so a control never shows the identity what a search would not.
#include "directory/engine/access_checks.h"
#include "directory/engine/attribute_selection.h"
#include "directory/engine/directory.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {
namespace {

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

}  // namespace

std::optional<protocol::SearchResultEntry> Directory::entry_as_read_by(
    Entry entry, const std::vector<std::string>& attributes, const Identity& identity) const {
  const Selection selection = parse_selection(attributes);
  auto all = [](std::string_view) { return true; };
  if (options_.access_policy == nullptr) {
    return take_selected_attributes(*schema_, entry, {}, selection, false, identity.is_root, all);
  }

  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return std::nullopt;
  }
  const AccessGuard guard(*schema_, options_.access_policy.get(), identity, *txn);
  const access::Target target = guard.target(*txn, stored_id(*schema_, *txn, entry), entry);
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
  FilterEvaluator evaluator(*schema_);
  if (options_.access_policy == nullptr) {
    return evaluator.evaluate(assertion, entry) == Truth::kTrue ? AssertionOutcome::kHolds
                                                                : AssertionOutcome::kFails;
  }

  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return AssertionOutcome::kFails;
  }
  const AccessGuard guard(*schema_, options_.access_policy.get(), identity, *txn);
  const access::Target target = guard.target(*txn, stored_id(*schema_, *txn, entry), entry);
  if (!guard.allows(target, access::kEntryAttribute, access::kDisclose)) {
    return AssertionOutcome::kEntryHidden;
  }
  guard.restrict_filter(target, evaluator);
  return evaluator.evaluate(assertion, entry) == Truth::kTrue ? AssertionOutcome::kHolds
                                                              : AssertionOutcome::kFails;
}

}  // namespace careid::directory::engine
