// National job roles: read from the FHIR CodeSystem "UK Core SDS Job Role Name".
//
// The national RBAC job role list has three levels: staff group (S-code, nhsList1), job group
// (G-code, nhsList2) and job role (R-code, nhsList3). Person role profiles carry all three as
// "S8000:G8000:R8000" in nhsJobRoleCode. The CodeSystem holds only the R-code and its display
// name (392 concepts in version 2.0.0), so the two upper levels come from a small built-in
// table of combinations seen in NHS CIS2 user-info responses. Every other role gets the
// placeholder staff group kUnmappedStaffGroupCode and job group kUnmappedJobGroupCode, with
// JobRole::hierarchy_known false, so that no invented code looks like a real one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::provisioning {

inline constexpr std::string_view kUnmappedStaffGroupCode = "S0000";
inline constexpr std::string_view kUnmappedJobGroupCode = "G0000";
inline constexpr std::string_view kUnmappedGroupName = "Unmapped";

struct JobRole {
  std::string code;  // R-code, e.g. "R8000"
  std::string name;  // display name, e.g. "Clinical Practitioner Access Role"
  std::string staff_group_code;
  std::string staff_group_name;
  std::string job_group_code;
  std::string job_group_name;
  bool hierarchy_known = false;  // false: staff and job group are the "Unmapped" placeholders
  bool closed = false;           // the display name ends in "(Closed)"

  // "S8000:G8000:R8000", the nhsJobRoleCode form.
  std::string full_code() const;
  // "\"Clinical\":\"Clinical Provision\":\"Clinical Practitioner Access Role\"", the form in
  // which SDS role profiles carry nhsJobRole (as CIS2 user-info responses show it).
  std::string full_name() const;
};

struct JobRoleCatalogue {
  std::vector<JobRole> roles;  // in CodeSystem order
  std::string date;            // the CodeSystem's date as YYYYMMDD, e.g. "20210910"

  // Returns the role with R-code `code`, or null.
  const JobRole* find(std::string_view code) const;
};

// Parses the CodeSystem text. Fails with kInvalidArgument when the XML is malformed, the root
// is not a FHIR CodeSystem, a concept lacks a code of the form R plus four digits or a display
// name, a code repeats, or there are no concepts. The list is small and curated, so one bad
// concept means the wrong file and nothing is loaded. `source_name` prefixes messages.
Result<JobRoleCatalogue> parse_job_roles(std::string_view xml_text, std::string_view source_name);

// Reads and parses the file at `path`; kIoError when it cannot be read.
Result<JobRoleCatalogue> load_job_roles(const std::filesystem::path& path);

}  // namespace careid::provisioning
