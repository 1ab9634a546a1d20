// Who may call the SUS API: the caller's selected role (organisation and RBAC activities)
// decides, as the role's organisation and activity codes come from careid's directory.
//
//   read    tariff lookup, pricing, stored spells and extracts: an activity of
//           AccessPolicy::read_activities
//   submit  storing spells: an activity of AccessPolicy::submit_activities
//
// Spell data is scoped by organisation: a role at organisation X reads only spells whose
// provider or commissioner is X, and submits only spells whose provider is X.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sus/spells/spell.h"

namespace careid::sus::api {

// Made-up sample codes (data/reference/rbac-activities-sample.csv), not national RBAC
// activities: configure the real ones with `[sus] read_activities` and `submit_activities`.
inline constexpr std::string_view kDefaultReadActivity = "B9600";
inline constexpr std::string_view kDefaultSubmitActivity = "B9601";

// The caller, from the bearer token and the selected role of its user.
struct Principal {
  std::string uid;       // the user's 12-digit uid
  std::string role_id;   // the selected role profile's uniqueIdentifier
  std::string org_code;  // ODS code of the role's organisation
  std::vector<std::string> activity_codes;  // the role's effective RBAC activities
};

struct AccessPolicy {
  // Any one of these activities grants the right. An empty list grants it to no role.
  std::vector<std::string> read_activities = {std::string(kDefaultReadActivity)};
  std::vector<std::string> submit_activities = {std::string(kDefaultSubmitActivity)};

  bool can_read(const Principal& caller) const;
  bool can_submit(const Principal& caller) const;
};

// True when the caller's organisation is the spell's provider or commissioner.
bool may_read_spell(const Principal& caller, const spells::Spell& spell);

}  // namespace careid::sus::api
