// The engine's side of access control (directory/access/policy.h): gathering the facts about
// the bound subject and the target entry from the store, and the checks each operation makes.
//
// Subject facts come from the subject's entry and the entries below it: the groups in its
// memberOf values and every nhsOrgPersonRole below it that is active today, from
// careidRoleStartDate up to, not including, careidRoleEndDate. A role's job role is the
// R-code at the end of nhsJobRoleCode and its organisation is nhsIDCode. Its activities are
// its nhsBusinessFunctionsCodes and, when a rule names activities, the RBAC activities of
// its job role and position.
// A successful simple bind stores them in the Identity, so one connection gathers them once
// per bind; rebinding gathers them again.
//
// A target's organisations are its careidOrgCode and nhsIDCode values (positions,
// organisations, nhsOrgPerson and nhsOrgPersonRole entries), and for an nhsPerson the
// nhsIDCode values of the entries below it, so a person belongs to every organisation
// where they hold a role.
//
// Every check here passes when the Directory has no policy. With a policy, the root DN
// bypasses the rules except for userPassword (policy.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "directory/access/policy.h"
#include "directory/engine/directory.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// Gathers the facts for `identity` from the store. Anonymous and root need no reads. A
// store error leaves the facts with no groups or roles, which grants less, never more.
// With `expand_activities`, each role's activities also include the RBAC activities its job
// role and position grant (rbac/access.h). That reads the catalogue under ou=Roles once per call.
std::shared_ptr<const access::Subject> describe_subject(const schema::Schema& schema,
                                                        const storage::Transaction& txn,
                                                        const Identity& identity, bool expand_activities);

// True when a rule of `policy` names activities, so subjects need expand_activities.
bool uses_activities(const access::Policy& policy);

// Access decisions for one operation by one identity.
class AccessGuard {
 public:
  // `policy` may be null: then every check passes. `txn` is used to gather missing subject
  // facts and must outlive nothing here; the guard keeps no reference to it.
  AccessGuard(const schema::Schema& schema, const access::Policy* policy, const Identity& identity,
              const storage::Transaction& txn);

  // False when there is no policy, so callers can skip building targets.
  bool active() const { return policy_ != nullptr; }

  // Builds the target for an entry. `id` is its id in `txn`, or std::nullopt for an entry
  // that is not stored (an add), whose organisations then come from its own attributes only.
  // An empty `normalised_dn` is computed from entry.dn. The target refers to `txn` and
  // `entry`, which must outlive it, and reads the entries below a person only when needed.
  access::Target target(const storage::Transaction& txn, std::optional<storage::EntryId> id, const Entry& entry,
                        std::string normalised_dn = {}) const;

  // True when the identity has `needed` on `attribute` (a description, options allowed,
  // or access::kEntryAttribute) of `target`.
  bool allows(const access::Target& target, std::string_view attribute, access::Privileges needed) const;

  // Makes `evaluator` treat attributes the identity may not search as Undefined, as
  // OpenLDAP does, so a filter cannot reveal a value the identity cannot read.
  void restrict_filter(const access::Target& target, FilterEvaluator& evaluator) const;

  // insufficientAccessRights naming the operation, the entry and the caller.
  protocol::LdapResult denied(std::string_view operation, std::string_view dn, std::string_view attribute = {}) const;

 private:
  const schema::Schema& schema_;
  const access::Policy* policy_;
  std::string caller_;  // "anonymous" or the bound DN, for diagnostics
  std::shared_ptr<const access::Subject> subject_;
  mutable EntryDnNormaliser dn_normaliser_;  // targets of one search share parents

  // Descriptions resolved against the schema and the policy. A search checks the same few
  // descriptions on every entry it returns.
  struct DescriptionHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  const access::Policy::ResolvedAttribute& resolve(std::string_view description) const;
  mutable std::unordered_map<std::string, access::Policy::ResolvedAttribute, DescriptionHash, std::equal_to<>> resolved_;
};

}  // namespace careid::directory::engine
