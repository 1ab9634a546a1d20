#include "rbac/access.h"

#include <sstream>

namespace careid::rbac {
namespace {

const Position* find_position(const std::map<std::string, Position>& positions, const RoleProfile& profile) {
  if (profile.position_dn.empty()) {
    return nullptr;
  }
  auto found = positions.find(profile.position_dn);
  return found == positions.end() ? nullptr : &found->second;
}

std::string baseline_role(const RoleProfile& profile, const Position* position) {
  return position ? position->base_job_role : profile.job_role;
}

bool at_org(const RoleProfile& profile, std::string_view org_code) {
  return org_code.empty() || profile.org_code == org_code;
}

std::string activity_label(const Catalogue& catalogue, const std::string& code) {
  const Activity* activity = catalogue.find_activity(code);
  return activity ? code + " \"" + activity->name + "\"" : code + " (not in the activity list)";
}

void describe_profile(std::ostream& out, const ProfileAssessment& assessed, const Catalogue& catalogue) {
  const RoleProfile& profile = assessed.profile;
  out << "role profile " << profile.id << " at " << profile.org_code << ": job role " << profile.job_role;
  if (assessed.position) {
    out << " through position \"" << assessed.position->name << "\" (" << assessed.position->dn << ")";
  } else if (assessed.position_missing) {
    out << " through position " << profile.position_dn << ", which no longer exists";
  }
  out << "\n  dates: " << (profile.start ? "from " + format_iso_date(*profile.start) : "no start date")
      << (profile.end ? ", until (not including) " + format_iso_date(*profile.end) : ", no end date")
      << (assessed.inactive_reason.empty() ? " (active)" : " (" + assessed.inactive_reason + ")") << "\n";

  out << "  baseline activities:";
  for (const std::string& code : assessed.baseline) {
    out << " " << code;
  }
  out << (assessed.baseline.empty() ? " none" : "") << "\n";
  if (assessed.position) {
    out << "  position extras:";
    for (const std::string& code : assessed.position_activities) {
      out << " " << code;
    }
    out << (assessed.position_activities.empty() ? " none" : "") << "\n";
  }

  for (const Grant& grant : assessed.grants) {
    out << "  grants through " << (grant.source == Grant::Source::kBaseline ? "baseline " : "position extra ")
        << activity_label(catalogue, grant.granted);
    if (grant.chain.size() > 1) {
      out << ", which includes it: ";
      for (std::size_t i = 0; i < grant.chain.size(); ++i) {
        out << (i ? " -> " : "") << grant.chain[i];
      }
    }
    out << (assessed.inactive_reason.empty() ? "" : " (but the profile is not active)") << "\n";
  }
}

}  // namespace

std::string inactive_reason(const RoleProfile& profile, Date date) {
  if (profile.start && date < *profile.start) {
    return "not started: starts " + format_iso_date(*profile.start);
  }
  if (profile.end && date >= *profile.end) {
    return "ended " + format_iso_date(*profile.end);
  }
  return "";
}

std::set<std::string> profile_activities(const Catalogue& catalogue, const RoleProfile& profile,
                                         const Position* position, Date date) {
  std::set<std::string> granted;
  if (!inactive_reason(profile, date).empty()) {
    return granted;
  }
  std::set<std::string> direct = catalogue.baseline_activities(baseline_role(profile, position), profile.areas_of_work);
  if (position) {
    direct.insert(position->activities.begin(), position->activities.end());
  }
  for (const std::string& code : direct) {
    std::set<std::string> reached = catalogue.closure(code);
    granted.insert(reached.begin(), reached.end());
  }
  return granted;
}

std::set<std::string> effective_activities(const Catalogue& catalogue, const std::vector<RoleProfile>& profiles,
                                           const std::map<std::string, Position>& positions,
                                           std::string_view org_code, Date date) {
  std::set<std::string> granted;
  for (const RoleProfile& profile : profiles) {
    if (at_org(profile, org_code)) {
      std::set<std::string> own = profile_activities(catalogue, profile, find_position(positions, profile), date);
      granted.insert(own.begin(), own.end());
    }
  }
  return granted;
}

AccessExplanation explain_access(const Catalogue& catalogue, const std::vector<RoleProfile>& profiles,
                                 const std::map<std::string, Position>& positions, std::string_view activity,
                                 std::string_view org_code, Date date) {
  AccessExplanation explanation{std::string(activity), std::string(org_code), date, false, {}};
  for (const RoleProfile& profile : profiles) {
    if (!at_org(profile, org_code)) {
      continue;
    }
    ProfileAssessment assessed;
    assessed.profile = profile;
    const Position* position = find_position(positions, profile);
    if (position) {
      assessed.position = *position;
      assessed.position_activities = position->activities;
    }
    assessed.position_missing = !profile.position_dn.empty() && !position;
    assessed.inactive_reason = inactive_reason(profile, date);
    assessed.baseline = catalogue.baseline_activities(baseline_role(profile, position), profile.areas_of_work);

    for (const std::string& code : assessed.baseline) {
      if (auto chain = catalogue.include_chain(code, activity)) {
        assessed.grants.push_back(Grant{Grant::Source::kBaseline, code, std::move(*chain)});
      }
    }
    for (const std::string& code : assessed.position_activities) {
      if (auto chain = catalogue.include_chain(code, activity)) {
        assessed.grants.push_back(Grant{Grant::Source::kPosition, code, std::move(*chain)});
      }
    }
    explanation.granted = explanation.granted || (assessed.inactive_reason.empty() && !assessed.grants.empty());
    explanation.profiles.push_back(std::move(assessed));
  }
  return explanation;
}

std::string format_explanation(const AccessExplanation& explanation, const Catalogue& catalogue) {
  std::ostringstream out;
  std::string where = explanation.org_code.empty() ? "at any organisation" : "at " + explanation.org_code;
  out << (explanation.granted ? "GRANTED: " : "DENIED: ") << activity_label(catalogue, explanation.activity)
      << " " << where << " on " << format_iso_date(explanation.date) << "\n";
  if (explanation.profiles.empty()) {
    out << "no role profile " << where << "\n";
  }
  for (const ProfileAssessment& assessed : explanation.profiles) {
    describe_profile(out, assessed, catalogue);
  }
  if (!explanation.granted && !explanation.profiles.empty()) {
    out << "no active role profile grants " << explanation.activity
        << " through its baseline, its position or their included activities\n";
  }
  return out.str();
}

Status person_not_found(std::string_view uid, std::string_view people_base) {
  return Status::not_found("no person uid=" + std::string(uid) + " under " + std::string(people_base) +
                           "; check the uid, or register the person with careidctl person register");
}

Result<AccessFacts> read_access_facts(AccessSource& source, std::string_view uid) {
  AccessFacts facts;
  auto catalogue = source.read_catalogue();
  if (!catalogue.ok()) {
    return catalogue.status();
  }
  facts.catalogue = std::move(*catalogue);
  auto profiles = source.read_role_profiles(uid);
  if (!profiles.ok()) {
    return profiles.status();
  }
  facts.profiles = std::move(*profiles);

  for (const RoleProfile& profile : facts.profiles) {
    if (profile.position_dn.empty() || facts.positions.contains(profile.position_dn)) {
      continue;
    }
    auto position = source.read_position(profile.position_dn);
    if (!position.ok()) {
      return position.status();
    }
    if (*position) {
      facts.positions.emplace(profile.position_dn, std::move(**position));
    }
  }
  return facts;
}

Result<std::set<std::string>> effective_activities(AccessSource& source, std::string_view uid,
                                                   std::string_view org_code) {
  auto facts = read_access_facts(source, uid);
  if (!facts.ok()) {
    return facts.status();
  }
  return effective_activities(facts->catalogue, facts->profiles, facts->positions, org_code, today_utc());
}

}  // namespace careid::rbac
