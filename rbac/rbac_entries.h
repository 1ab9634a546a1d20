// Directory entries for RBAC reference data, local positions and role profiles, and the
// reverse: reading them back from entries (from LDAP or from careid's own directory).
//
//   ou=Activities,ou=Roles,o=nhs        uniqueIdentifier=<B-code>: nhsRBACBF + careidActivity
//   ou=Areas of Work,ou=Roles,o=nhs     uniqueIdentifier=<code>: nhsRBACAoW
//   ou=Baseline,ou=Roles,o=nhs          uniqueIdentifier=<R-code>[-<area>]: nhsRBACBL
//   cn=<name>,uniqueIdentifier=<ODS code>,ou=Organisations,o=nhs   careidPosition
//
// nhsRBACBF and nhsRBACAoW require a three-level hierarchy (nhsList1/2/3). Only the lowest
// level (the activity or area itself) is in careid's files, so the upper two levels carry
// kUnmappedGroupCode and the name "Unmapped", as job roles without a known hierarchy do.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "rbac/catalogue.h"

namespace careid::rbac {

inline constexpr std::string_view kActivitiesDn = "ou=Activities,ou=Roles,o=nhs";
inline constexpr std::string_view kAreasOfWorkDn = "ou=Areas of Work,ou=Roles,o=nhs";
inline constexpr std::string_view kBaselineDn = "ou=Baseline,ou=Roles,o=nhs";
inline constexpr std::string_view kUnmappedGroupCode = "U0000";
// nhsRA of baseline entries: careid's national import, not a local registration authority.
inline constexpr std::string_view kNationalRa = "national";

using Date = std::chrono::year_month_day;

// A local position: a national job role plus what the organisation grants with it.
struct Position {
  std::string dn;
  std::string name;  // cn
  std::string org_code;
  std::string base_job_role;  // R-code
  std::vector<std::string> activities;
  std::vector<std::string> workgroups;
  std::vector<std::string> applications;
};

// The fields of an nhsOrgPersonRole entry that access checks use.
struct RoleProfile {
  std::string dn;
  std::string id;        // uniqueIdentifier
  std::string org_code;  // nhsIDCode
  std::string job_role;  // the R-code at the end of nhsJobRoleCode
  std::string job_role_name;
  std::string position_dn;  // empty for a bare national role
  std::vector<std::string> areas_of_work;
  std::optional<Date> start;  // first day that grants; none: granted from creation
  std::optional<Date> end;    // first day that no longer grants; none: open-ended
};

// The container entries (ou=Activities, ou=Areas of Work, ou=Baseline), parents first.
std::vector<directory::Entry> rbac_container_entries();

// The entries of `catalogue`: every activity, area of work and baseline rule (rules for the
// same job role and area are merged into one entry). `create_date` is YYYYMMDD.
std::vector<directory::Entry> catalogue_entries(const Catalogue& catalogue, std::string_view create_date);

// Rebuilds a catalogue from activity, area of work and baseline entries. Entries of other
// classes are ignored. Does not validate.
Catalogue catalogue_from_entries(const std::vector<directory::Entry>& entries);

std::string position_dn(std::string_view org_code, std::string_view name);
directory::Entry position_entry(const Position& position);
Position position_from_entry(const directory::Entry& entry);
RoleProfile role_profile_from_entry(const directory::Entry& entry);
std::vector<RoleProfile> role_profiles_from_entries(const std::vector<directory::Entry>& entries);

// Dates travel as Generalized Time at midnight UTC (RFC 4517 3.3.13), "20261201000000Z",
// and are typed as YYYY-MM-DD. Both parsers return kInvalidArgument naming the value.
Result<Date> parse_iso_date(std::string_view text);
Result<Date> parse_generalized_date(std::string_view text);
std::string format_iso_date(Date date);
std::string format_generalized_date(Date date);
// Today's date in UTC.
Date today_utc();

}  // namespace careid::rbac
