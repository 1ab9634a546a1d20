#include "directory/engine/access_checks.h"

#include <algorithm>

#include "directory/engine/attribute_description.h"
#include "directory/engine/naming.h"
#include "rbac/access.h"
#include "rbac/rbac_entries.h"

namespace careid::directory::engine {
namespace {

// nhsJobRoleCode is "S0080:G0450:R5080"; rules name the R-code.
std::string job_role_code(std::string_view full_code) {
  const std::size_t colon = full_code.rfind(':');
  return std::string(colon == std::string_view::npos ? full_code : full_code.substr(colon + 1));
}

void add_unique(std::vector<std::string>& list, std::string_view value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.emplace_back(value);
  }
}

bool has_class(const Entry& entry, std::string_view object_class) {
  const Attribute* classes = entry.find("objectClass");
  return classes != nullptr && std::any_of(classes->values.begin(), classes->values.end(), [&](const std::string& v) {
           return equals_ignore_case(v, object_class);
         });
}

void add_own_organisations(const Entry& entry, std::vector<std::string>& organisations) {
  for (std::string_view name : {"careidOrgCode", "nhsIDCode"}) {
    if (const Attribute* codes = entry.find(name)) {
      for (const std::string& code : codes->values) {
        add_unique(organisations, code);
      }
    }
  }
}

access::RoleProfile role_profile(const Entry& entry) {
  access::RoleProfile role;
  role.job_role_code = job_role_code(entry.first_value("nhsJobRoleCode"));
  role.organisation = std::string(entry.first_value("nhsIDCode"));
  if (const Attribute* activities = entry.find("nhsBusinessFunctionsCodes")) {
    role.activities = activities->values;
  }
  return role;
}

// Returns the id of the entry at `dn`, or std::nullopt when the DN is invalid or not stored.
std::optional<storage::EntryId> find_entry(const schema::Schema& schema, const storage::Transaction& txn,
                                           std::string_view dn) {
  auto named = name_dn(schema, dn);
  if (!named.ok()) {
    return std::nullopt;
  }
  auto id = txn.find_id(named->normalised);
  return id.ok() ? std::optional<storage::EntryId>(*id) : std::nullopt;
}

// Returns the entries below `dn`, or none when it is missing or unreadable.
std::vector<Entry> read_subtree(const schema::Schema& schema, const storage::Transaction& txn, std::string_view dn) {
  std::vector<Entry> entries;
  std::optional<storage::EntryId> id = find_entry(schema, txn, dn);
  if (!id) {
    return entries;
  }
  Status walked = txn.for_each_in_subtree(*id, [&](storage::EntryId below) {
    auto entry = txn.get(below);
    if (entry.ok()) {
      entries.push_back(std::move(*entry));
    }
    return true;
  });
  static_cast<void>(walked);  // a partial catalogue grants less, never more
  return entries;
}

// The activities and baseline policy under ou=Roles; empty when they are not loaded.
// NOTE: read each time a subject is described (once per simple bind, once per operation
// after SASL EXTERNAL), with no cache, which costs one read per catalogue entry.
rbac::Catalogue read_catalogue(const schema::Schema& schema, const storage::Transaction& txn) {
  std::vector<Entry> entries = read_subtree(schema, txn, rbac::kActivitiesDn);
  std::vector<Entry> baseline = read_subtree(schema, txn, rbac::kBaselineDn);
  entries.insert(entries.end(), std::make_move_iterator(baseline.begin()), std::make_move_iterator(baseline.end()));
  return rbac::catalogue_from_entries(entries);
}

// Adds to `role` the activities its job role's baseline, its position and their included
// activities grant, so that rules naming an activity match without nhsBusinessFunctionsCodes.
void add_rbac_activities(const schema::Schema& schema, const storage::Transaction& txn,
                         const rbac::Catalogue& catalogue, const rbac::RoleProfile& profile, rbac::Date today,
                         access::RoleProfile& role) {
  std::optional<rbac::Position> position;
  if (!profile.position_dn.empty()) {
    std::optional<storage::EntryId> id = find_entry(schema, txn, profile.position_dn);
    auto entry = id ? txn.get(*id) : Result<Entry>(Status::not_found(profile.position_dn));
    if (entry.ok()) {
      position = rbac::position_from_entry(*entry);
    }
  }
  for (const std::string& code : rbac::profile_activities(catalogue, profile, position ? &*position : nullptr, today)) {
    add_unique(role.activities, code);
  }
}

}  // namespace

std::shared_ptr<const access::Subject> describe_subject(const schema::Schema& schema,
                                                        const storage::Transaction& txn,
                                                        const Identity& identity, bool expand_activities) {
  auto subject = std::make_shared<access::Subject>();
  subject->normalised_dn = identity.normalised_dn;
  subject->is_root = identity.is_root;
  if (identity.is_root || identity.normalised_dn.empty()) {
    return subject;
  }
  auto id = txn.find_id(identity.normalised_dn);
  if (!id.ok()) {
    return subject;
  }
  auto entry = txn.get(*id);
  if (entry.ok()) {
    if (const Attribute* groups = entry->find("memberOf")) {
      for (const std::string& group : groups->values) {
        auto named = name_dn(schema, group);
        if (named.ok()) {
          add_unique(subject->groups, named->normalised);
        }
      }
    }
  }

  // Only role profiles active today count: an ended or not yet started profile, or one
  // whose date cannot be read, grants nothing (rbac::role_profile_from_entry).
  const rbac::Date today = rbac::today_utc();
  std::optional<rbac::Catalogue> catalogue;
  Status walked = txn.for_each_in_subtree(*id, [&](storage::EntryId below) {
    auto child = txn.get(below);
    if (!child.ok() || !has_class(*child, "nhsOrgPersonRole")) {
      return true;
    }
    rbac::RoleProfile dated = rbac::role_profile_from_entry(*child);
    if (!rbac::inactive_reason(dated, today).empty()) {
      return true;
    }
    access::RoleProfile role = role_profile(*child);
    if (expand_activities) {
      if (!catalogue) {
        catalogue = read_catalogue(schema, txn);
      }
      add_rbac_activities(schema, txn, *catalogue, dated, today, role);
    }
    subject->roles.push_back(std::move(role));
    return true;
  });
  static_cast<void>(walked);  // a partial list grants less, never more
  return subject;
}

bool uses_activities(const access::Policy& policy) {
  return std::any_of(policy.rules().begin(), policy.rules().end(),
                     [](const access::Rule& rule) { return !rule.activities.empty(); });
}

AccessGuard::AccessGuard(const schema::Schema& schema, const access::Policy* policy, const Identity& identity,
                         const storage::Transaction& txn)
    : schema_(schema),
      policy_(policy),
      caller_(identity.dn.empty() ? "anonymous" : "'" + identity.dn + "'"),
      dn_normaliser_(schema) {
  if (policy_ == nullptr) {
    return;
  }
  subject_ = identity.subject != nullptr ? identity.subject
                                          : describe_subject(schema, txn, identity, uses_activities(*policy_));
}

access::Target AccessGuard::target(const storage::Transaction& txn, std::optional<storage::EntryId> id,
                                   const Entry& entry, std::string normalised_dn) const {
  access::Target target;
  target.entry = &entry;
  if (normalised_dn.empty()) {
    normalised_dn = dn_normaliser_.normalise(entry.dn);
  }
  target.normalised_dn = std::move(normalised_dn);
  target.find_organisations = [&txn, id, &entry] {
    std::vector<std::string> organisations;
    add_own_organisations(entry, organisations);
    if (id.has_value() && has_class(entry, "nhsPerson")) {
      Status walked = txn.for_each_in_subtree(*id, [&](storage::EntryId below) {
        auto child = below == *id ? Result<Entry>(Status::not_found("")) : txn.get(below);
        if (child.ok()) {
          add_own_organisations(*child, organisations);
        }
        return true;
      });
      static_cast<void>(walked);  // fewer organisations grant less, never more
    }
    return organisations;
  };
  const schema::Schema* schema = &schema_;
  target.matches_filter = [schema, &entry](const protocol::Filter& filter) {
    return FilterEvaluator(*schema).evaluate(filter, entry) == Truth::kTrue;
  };
  return target;
}

bool AccessGuard::allows(const access::Target& target, std::string_view attribute, access::Privileges needed) const {
  if (policy_ == nullptr) {
    return true;
  }
  return (policy_->privileges(*subject_, target, resolve(attribute)) & needed) == needed;
}

const access::Policy::ResolvedAttribute& AccessGuard::resolve(std::string_view description) const {
  auto found = resolved_.find(description);
  if (found != resolved_.end()) {
    return found->second;
  }

  // The policy compares the type's first NAME, or the description without options when the
  // schema does not define the type (or for kEntryAttribute, which is no type).
  std::string_view name = description.substr(0, description.find(';'));
  bool operational = false;
  auto parsed = description == access::kEntryAttribute ? Result<AttributeDescription>(Status::not_found(""))
                                                       : parse_description(schema_, description);
  if (parsed.ok()) {
    name = parsed->type->name();
    operational = parsed->type->usage() != schema::Usage::kUserApplications;
  }
  return resolved_.emplace(std::string(description), policy_->resolve(name, operational)).first->second;
}

void AccessGuard::restrict_filter(const access::Target& target, FilterEvaluator& evaluator) const {
  if (policy_ == nullptr) {
    return;
  }
  evaluator.set_searchable([this, &target](const schema::AttributeType& type) {
    return (policy_->privileges(*subject_, target, resolve(type.name())) & access::kSearch) == access::kSearch;
  });
}

protocol::LdapResult AccessGuard::denied(std::string_view operation, std::string_view dn, std::string_view attribute) const {
  std::string message = std::string(operation) + " of '" + std::string(dn) + "'";
  if (!attribute.empty()) {
    message += " attribute '" + std::string(attribute) + "'";
  }
  return ldap_result(ResultCode::kInsufficientAccessRights,
                     message + " is not allowed for " + caller_ + " by the access policy");
}

}  // namespace careid::directory::engine
