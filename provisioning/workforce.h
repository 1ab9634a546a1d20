// Workforce: synthetic people with role profiles at real organisations, generated from a seed.
//
// Each person is three levels of entries, as in SDS:
//   uid=<12 digits>,ou=People,o=nhs                               nhsPerson
//   uniqueIdentifier=<12 digits>,uid=...                          nhsOrgPerson, one per organisation
//   uniqueIdentifier=<12 digits>,uniqueIdentifier=...,uid=...     nhsOrgPersonRole, one per role
// Most people work at one organisation with one or two roles; about 15% work at two or three.
// Names come from small built-in lists and are not real people. Only open organisations and
// job roles whose names do not say "(Closed)" are used.
//
// The same seed, person count and reference data always give the same entries, on any
// platform: the generator uses its own SplitMix64 and never the std:: distributions, whose
// results differ between standard libraries. Entries are streamed to the sink one at a time,
// so memory use does not grow with the person count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "provisioning/directory_entries.h"
#include "provisioning/job_roles.h"
#include "provisioning/organisations.h"

namespace careid::provisioning {

// Larger person counts are rejected; 12-digit ids leave room for far more, so this only
// catches typing mistakes.
inline constexpr std::uint64_t kMaxWorkforcePeople = 50'000'000;

// The fixed demo person, "Demo Doctor", generated before everyone else. It has the role
// kDemoRoleCode ("Clinical Practitioner Access Role") at trust kDemoTrustCode (Manchester
// University NHS Foundation Trust) and at GP practice kDemoPracticeCode (The Densham Surgery).
// Generated ids never fall in the block 555000000000-555000000999 reserved for it.
inline constexpr std::string_view kDemoPersonUid = "555000000001";
inline constexpr std::string_view kDemoTrustOrgPersonId = "555000000002";
inline constexpr std::string_view kDemoTrustRoleProfileId = "555000000003";
inline constexpr std::string_view kDemoPracticeOrgPersonId = "555000000004";
inline constexpr std::string_view kDemoPracticeRoleProfileId = "555000000005";
inline constexpr std::string_view kDemoTrustCode = "R0A";
inline constexpr std::string_view kDemoPracticeCode = "A81001";
inline constexpr std::string_view kDemoRoleCode = "R8000";
inline constexpr std::string_view kDemoGivenName = "Demo";
inline constexpr std::string_view kDemoSurname = "Doctor";

struct WorkforceOptions {
  std::uint64_t people = 10'000;  // generated people, the demo person not counted
  std::uint64_t seed = 1;
  bool include_demo_person = true;
};

struct WorkforceCounts {
  std::uint64_t people = 0;  // nhsPerson entries, the demo person included
  std::uint64_t org_persons = 0;
  std::uint64_t role_profiles = 0;
};

// Streams the demo person (when enabled) and then options.people generated people to `sink`.
// Returns kInvalidArgument when options.people exceeds kMaxWorkforcePeople. Returns
// kFailedPrecondition when there is no open trust, open practice or open role, or when the
// demo person's trust, practice or role is missing. Otherwise returns the sink's first
// non-OK Status, if any.
Result<WorkforceCounts> generate_workforce(const JobRoleCatalogue& roles,
                                           const std::vector<Organisation>& trusts,
                                           const std::vector<Organisation>& practices,
                                           const WorkforceOptions& options, const EntrySink& sink);

std::string person_dn(std::string_view uid);
std::string org_person_dn(std::string_view org_person_id, std::string_view uid);
std::string role_profile_dn(std::string_view role_profile_id, std::string_view org_person_id,
                            std::string_view uid);

}  // namespace careid::provisioning
