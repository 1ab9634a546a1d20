// The compiled access control policy: an ordered list of rules, each naming the entries and
// attributes it covers (the target), who it applies to (the subject) and the level it grants.
//
// Evaluation. For one subject, entry and attribute, the rules are tried in file order and the
// first whose target and subject both match decides. When none matches, no access is granted. This
// is OpenLDAP's slapd.access(5) "first match wins" with each rule holding one "by" clause.
// Three fixed rules come first and no policy can change them:
//   * the root DN has every privilege on every entry;
//   * nobody, root included, gets more than auth, add and delete on userPassword, so password
//     hashes are never read, searched or compared;
//   * nobody, root included, gets more than add and delete on careidTotpSecret, so TOTP
//     secrets leave the store only through careidd's internal reads for the login check.
//
// A Policy is immutable after it is built and may be shared by any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "directory/access/facts.h"
#include "directory/access/privileges.h"
#include "directory/protocol/filter.h"

namespace careid::directory::access {

// The pseudo-attribute that stands for the entry itself: search needs search on it to return
// the entry, add and delete need add and delete on it.
inline constexpr std::string_view kEntryAttribute = "entry";

// Normalises a DN written in the policy, or returns InvalidArgument naming it.
using DnNormaliser = std::function<Result<std::string>(std::string_view)>;

enum class SubjectKind {
  kAnyone,         // "*"
  kAnonymous,      // "anonymous"
  kAuthenticated,  // "authenticated": any bound identity
  kSelf,           // "self": the target is the subject's entry or below it
};

struct Rule {
  std::string name;  // for diagnostics; "rule N" when the file gives none

  // Target: every condition given must hold.
  std::optional<std::string> subtree;      // normalised base DN; the base itself is included
  std::optional<std::string> object_class;  // lower case; one of the entry's objectClass values
  std::optional<protocol::Filter> filter;
  std::vector<std::string> attributes;  // lower-case names, "entry", "*" (user) or "+"; empty for all
  std::optional<bool> has_organisation;  // the target belongs (true) or not (false) to an organisation

  // Subject: every condition given must hold.
  SubjectKind who = SubjectKind::kAnyone;
  std::optional<std::string> subject_dn;       // normalised
  std::optional<std::string> subject_subtree;  // normalised
  std::optional<std::string> group;            // normalised group DN
  std::vector<std::string> job_roles;          // R-codes; any one suffices
  std::vector<std::string> activities;         // B-codes; any one suffices
  // With job_roles or activities: the role profile that qualifies must be at one of the
  // target's organisations.
  bool at_target_organisation = false;

  Privileges grant = 0;
};

class Policy {
  // Positions in rules_ of the rules whose attribute list covers one attribute, in order.
  using RuleList = std::vector<std::uint32_t>;

 public:
  explicit Policy(std::vector<Rule> rules);

  // One attribute resolved against the rules: the rules that cover it and the fixed limit
  // on it (userPassword, careidTotpSecret). Valid while the Policy lives. A caller that
  // checks the same attribute on many entries resolves it once with resolve().
  class ResolvedAttribute {
   private:
    friend class Policy;
    ResolvedAttribute() = default;

    const RuleList* rules_ = nullptr;
    Privileges limit_ = kAllPrivileges;
  };

  // Resolves `attribute`, named as for privileges().
  ResolvedAttribute resolve(std::string_view attribute, bool operational = false) const;

  Privileges privileges(const Subject& subject, const Target& target, const ResolvedAttribute& attribute) const;

  // Returns the privileges `subject` has on `attribute` of `target`. `attribute` is the
  // attribute type's first schema NAME or kEntryAttribute; `operational` is true for
  // an operational attribute (for the "*" and "+" lists).
  Privileges privileges(const Subject& subject, const Target& target, std::string_view attribute,
                        bool operational = false) const;

  bool allows(const Subject& subject, const Target& target, std::string_view attribute, Privileges needed,
              bool operational = false) const {
    return (privileges(subject, target, attribute, operational) & needed) == needed;
  }

  // Returns the name of the rule that decides, or "no rule" (for diagnostics and tests).
  std::string deciding_rule(const Subject& subject, const Target& target, std::string_view attribute,
                            bool operational = false) const;

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  struct AttributeRules {
    RuleList user;
    RuleList operational;
  };

  // Hashes names already in ASCII lower case, so that a std::string_view finds a
  // std::string key without a copy.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };

  const Rule* find_rule(const Subject& subject, const Target& target, const RuleList& covering) const;
  const RuleList& rules_for(std::string_view attribute, bool operational) const;

  std::vector<Rule> rules_;

  // The rules that cover each attribute, worked out once when the policy is built rather
  // than for every attribute of every entry. There is one list for each name that some
  // rule lists, one for "entry", and one for every other user or operational attribute.
  std::unordered_map<std::string, AttributeRules, NameHash, std::equal_to<>> named_;
  RuleList entry_rules_;
  AttributeRules unnamed_;
};

// Compiles a policy from TOML text (README.md of the directory folder documents the format).
// `source` names the file in errors. Errors are InvalidArgument naming the rule and the key:
// an unknown key, level or subject kind, a bad DN or filter, or an attribute for which
// `is_attribute` returns false. The names "entry", "*" and "+" are always allowed.
Result<std::shared_ptr<const Policy>> parse_policy(std::string_view text, std::string_view source,
                                                   const DnNormaliser& normalise,
                                                   const std::function<bool(std::string_view)>& is_attribute);

// Reads and compiles the policy file at `path`; IoError when it cannot be read.
Result<std::shared_ptr<const Policy>> load_policy(const std::string& path, const DnNormaliser& normalise,
                                                  const std::function<bool(std::string_view)>& is_attribute);

// The policy careid uses when the configuration names none, as TOML; careidctl demo setup
// writes it to the data folder as access.toml.
std::string_view default_policy_text();

}  // namespace careid::directory::access
