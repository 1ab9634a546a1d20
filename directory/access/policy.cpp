#include "directory/access/policy.h"

#include <algorithm>

namespace careid::directory::access {
namespace {

// Attribute names are ASCII (RFC 4512 keystring), so an ASCII lower case is enough.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// `name` is the attribute in lower case.
bool matches_attribute(const Rule& rule, std::string_view name, bool operational) {
  if (rule.attributes.empty()) {
    return true;
  }
  if (contains(rule.attributes, name)) {
    return true;
  }
  if (name == kEntryAttribute) {
    return false;
  }
  return contains(rule.attributes, operational ? "+" : "*");
}

bool has_object_class(const Entry& entry, std::string_view object_class) {
  const Attribute* classes = entry.find("objectClass");
  if (classes == nullptr) {
    return false;
  }
  return std::any_of(classes->values.begin(), classes->values.end(),
                     [&](const std::string& value) { return equals_ignore_case(value, object_class); });
}

// The target checks, other than the attribute, that read only the entry in hand.
bool matches_entry(const Rule& rule, const Target& target) {
  if (rule.subtree.has_value() && !is_within(target.normalised_dn, *rule.subtree)) {
    return false;
  }
  return !rule.object_class.has_value() ||
         (target.entry != nullptr && has_object_class(*target.entry, *rule.object_class));
}

// The target checks that may read the entries below the target or evaluate a filter, run
// only for a rule whose other checks passed.
bool matches_costly_target(const Rule& rule, const Target& target) {
  if (rule.has_organisation.has_value() && target.organisations().empty() == *rule.has_organisation) {
    return false;
  }
  return !rule.filter.has_value() || (target.matches_filter && target.matches_filter(*rule.filter));
}

// True when one of the subject's role profiles carries a listed job role or activity and,
// when the rule requires it, sits at one of the target's organisations.
bool holds_qualifying_role(const Rule& rule, const Subject& subject, const Target& target) {
  for (const RoleProfile& role : subject.roles) {
    bool qualifies = contains(rule.job_roles, role.job_role_code);
    for (const std::string& activity : role.activities) {
      qualifies = qualifies || contains(rule.activities, activity);
    }
    if (!qualifies) {
      continue;
    }
    if (!rule.at_target_organisation || contains(target.organisations(), role.organisation)) {
      return true;
    }
  }
  return false;
}

bool matches_subject(const Rule& rule, const Subject& subject, const Target& target) {
  const bool anonymous = subject.normalised_dn.empty() && !subject.is_root;
  switch (rule.who) {
    case SubjectKind::kAnyone:
      break;
    case SubjectKind::kAnonymous:
      if (!anonymous) {
        return false;
      }
      break;
    case SubjectKind::kAuthenticated:
      if (anonymous) {
        return false;
      }
      break;
    case SubjectKind::kSelf:
      if (anonymous || !is_within(target.normalised_dn, subject.normalised_dn)) {
        return false;
      }
      break;
  }
  if (rule.subject_dn.has_value() && subject.normalised_dn != *rule.subject_dn) {
    return false;
  }
  if (rule.subject_subtree.has_value() && (anonymous || !is_within(subject.normalised_dn, *rule.subject_subtree))) {
    return false;
  }
  if (rule.group.has_value() && !contains(subject.groups, *rule.group)) {
    return false;
  }
  if ((!rule.job_roles.empty() || !rule.activities.empty()) && !holds_qualifying_role(rule, subject, target)) {
    return false;
  }
  return true;
}

}  // namespace

bool is_within(std::string_view dn, std::string_view base) {
  if (base.empty() || dn == base) {
    return true;
  }
  return dn.size() > base.size() && dn.ends_with(base) && dn[dn.size() - base.size() - 1] == ',';
}

Policy::Policy(std::vector<Rule> rules) : rules_(std::move(rules)) {
  auto covering = [this](std::string_view name, bool operational) {
    RuleList list;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (matches_attribute(rules_[i], name, operational)) {
        list.push_back(static_cast<std::uint32_t>(i));
      }
    }
    return list;
  };

  for (const Rule& rule : rules_) {
    for (const std::string& name : rule.attributes) {
      if (name != "*" && name != "+" && !named_.contains(name)) {
        named_.emplace(name, AttributeRules{covering(name, false), covering(name, true)});
      }
    }
  }
  entry_rules_ = covering(kEntryAttribute, false);

  // No rule lists the name, so only the rules for all attributes, "*" or "+" cover it.
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const std::vector<std::string>& listed = rules_[i].attributes;
    if (listed.empty() || contains(listed, "*")) {
      unnamed_.user.push_back(static_cast<std::uint32_t>(i));
    }
    if (listed.empty() || contains(listed, "+")) {
      unnamed_.operational.push_back(static_cast<std::uint32_t>(i));
    }
  }
}

const Policy::RuleList& Policy::rules_for(std::string_view attribute, bool operational) const {
  const std::string name = lower(attribute);
  if (name == kEntryAttribute) {
    return entry_rules_;
  }
  auto found = named_.find(std::string_view(name));
  const AttributeRules& rules = found == named_.end() ? unnamed_ : found->second;
  return operational ? rules.operational : rules.user;
}

const Rule* Policy::find_rule(const Subject& subject, const Target& target, const RuleList& covering) const {
  // A target is checked for each attribute of its entry, so the outcome of the checks that
  // do not depend on the attribute is kept in the target, per rule.
  if (target.outcomes_policy_ != this || target.outcomes_subject_ != &subject) {
    target.rule_outcomes_.assign(rules_.size(), -1);
    target.outcomes_policy_ = this;
    target.outcomes_subject_ = &subject;
  }

  for (std::uint32_t i : covering) {
    const Rule& rule = rules_[i];
    signed char& outcome = target.rule_outcomes_[i];
    if (outcome < 0) {
      outcome = matches_entry(rule, target) && matches_subject(rule, subject, target) &&
                matches_costly_target(rule, target);
    }
    if (outcome == 1) {
      return &rule;
    }
  }
  return nullptr;
}

Policy::ResolvedAttribute Policy::resolve(std::string_view attribute, bool operational) const {
  ResolvedAttribute resolved;
  resolved.rules_ = &rules_for(attribute, operational);
  // Password hashes are never disclosed, not even to root (see the header).
  if (equals_ignore_case(attribute, "userPassword")) {
    resolved.limit_ = kDisclose | kAuth | kAdd | kDelete;
  }
  // TOTP secrets are read by careidd's own store reads only, which bypass the policy.
  if (equals_ignore_case(attribute, "careidTotpSecret")) {
    resolved.limit_ = kAdd | kDelete;
  }
  return resolved;
}

Privileges Policy::privileges(const Subject& subject, const Target& target, const ResolvedAttribute& attribute) const {
  Privileges granted = 0;
  if (subject.is_root) {
    granted = kAllPrivileges;
  } else if (const Rule* rule = find_rule(subject, target, *attribute.rules_)) {
    granted = rule->grant;
  }
  return granted & attribute.limit_;
}

Privileges Policy::privileges(const Subject& subject, const Target& target, std::string_view attribute,
                              bool operational) const {
  return privileges(subject, target, resolve(attribute, operational));
}

std::string Policy::deciding_rule(const Subject& subject, const Target& target, std::string_view attribute,
                                  bool operational) const {
  if (subject.is_root) {
    return "root";
  }
  const Rule* rule = find_rule(subject, target, rules_for(attribute, operational));
  return rule == nullptr ? "no rule" : rule->name;
}

}  // namespace careid::directory::access
