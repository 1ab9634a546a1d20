// Effective activities: what a person may do at an organisation, and why.
//
// A role profile grants from its start date up to, not including, its end date. It grants
// the baseline activities of its job role and, when it was assigned from a position, the
// position's extra activities. Each comes with every activity it includes (the transitive
// closure, Catalogue::closure). A profile assigned from a position uses the
// position's base job role for the baseline. An ended or not yet started profile grants
// nothing. A profile whose position entry is missing grants its baseline only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rbac/catalogue.h"
#include "rbac/rbac_entries.h"

namespace careid::rbac {

// One way a profile grants an activity: `granted` (a baseline or position activity) and the
// chain of includes from it down to the activity asked about.
struct Grant {
  enum class Source { kBaseline, kPosition };
  Source source;
  std::string granted;
  std::vector<std::string> chain;  // granted ... activity; one element when granted directly
};

struct ProfileAssessment {
  RoleProfile profile;
  std::optional<Position> position;  // set when the profile names a position that exists
  bool position_missing = false;     // the profile names a position entry that is gone
  std::string inactive_reason;       // empty when the profile grants today
  std::set<std::string> baseline;    // direct baseline activities
  std::vector<std::string> position_activities;
  std::vector<Grant> grants;         // grants of the activity asked about
};

struct AccessExplanation {
  std::string activity;
  std::string org_code;  // empty: every organisation
  Date date;
  bool granted = false;
  std::vector<ProfileAssessment> profiles;  // the profiles at the organisation
};

// Returns why `profile` grants nothing on `date` ("ended 2026-12-01", "not started: starts
// ..."), or an empty string when it is active then.
std::string inactive_reason(const RoleProfile& profile, Date date);

// Returns the activities one profile grants on `date`, includes expanded; empty when the
// profile is not active then. `position` is the profile's position, or null. This is the set
// for the activity codes of one role in an OpenID Connect role claim.
std::set<std::string> profile_activities(const Catalogue& catalogue, const RoleProfile& profile,
                                         const Position* position, Date date);

// Returns every activity the active `profiles` at `org_code` grant on `date` (every
// organisation when `org_code` is empty), includes expanded. `positions` maps position DN
// to position.
std::set<std::string> effective_activities(const Catalogue& catalogue, const std::vector<RoleProfile>& profiles,
                                           const std::map<std::string, Position>& positions,
                                           std::string_view org_code, Date date);

// Explains whether and how the profiles grant `activity` at `org_code` on `date`.
AccessExplanation explain_access(const Catalogue& catalogue, const std::vector<RoleProfile>& profiles,
                                 const std::map<std::string, Position>& positions, std::string_view activity,
                                 std::string_view org_code, Date date);

// Prints `explanation` as the lines `careidctl access explain` shows; activity names come
// from `catalogue`.
std::string format_explanation(const AccessExplanation& explanation, const Catalogue& catalogue);

// Source of access data. careidctl reads it over LDAP (LdapAccessSource), careidd from its
// own directory (federation/identity/directory_access_source.h).
class AccessSource {
 public:
  virtual ~AccessSource() = default;

  // The activity, area of work and baseline entries under ou=Roles.
  virtual Result<Catalogue> read_catalogue() = 0;
  // The nhsOrgPersonRole entries below uid=<uid>,ou=People; kNotFound (person_not_found)
  // when there is no such person.
  virtual Result<std::vector<RoleProfile>> read_role_profiles(std::string_view uid) = 0;
  // The careidPosition entry at `dn`, or std::nullopt when it does not exist.
  virtual Result<std::optional<Position>> read_position(std::string_view dn) = 0;
};

// The kNotFound status for a uid without an entry under `people_base` ("ou=People,o=nhs").
Status person_not_found(std::string_view uid, std::string_view people_base);

// Reads the person's profiles and the positions they name, for the functions above.
struct AccessFacts {
  Catalogue catalogue;
  std::vector<RoleProfile> profiles;
  std::map<std::string, Position> positions;
};
Result<AccessFacts> read_access_facts(AccessSource& source, std::string_view uid);

// The activities `uid` has at `org_code` today (every organisation when empty); the set to
// publish as the activity codes of a role claim. Errors are those of `source`.
Result<std::set<std::string>> effective_activities(AccessSource& source, std::string_view uid,
                                                   std::string_view org_code);

}  // namespace careid::rbac
