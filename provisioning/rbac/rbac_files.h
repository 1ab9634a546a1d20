// Reading the RBAC reference data from CSV files (RFC 4180, with a header row); the format
// is documented in docs/rbac-data.md. A record whose first field starts with "#" is a
// comment, so a file can say where its data comes from.
//
// The files are small and curated, so any bad row fails the whole read: the error names the
// file, the line and the value, and nothing is imported.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "provisioning/job_roles.h"
#include "rbac/catalogue.h"

namespace careid::provisioning::rbac {

// The RBAC model lives in rbac/ because federation uses it too. The import code uses its
// names unqualified.
using namespace careid::rbac;

struct RbacFiles {
  std::filesystem::path activities;     // code,name,includes
  std::filesystem::path baseline;       // job_role,area_of_work,activities
  std::filesystem::path areas_of_work;  // code,name; optional (empty path)
  std::filesystem::path job_roles;      // code,name,staff_group_code,...; optional (empty path)
};

// Reads the files into a catalogue and validates it (Catalogue::validate). Every baseline
// job role must be one of `known_job_roles` or a row of files.job_roles. Errors:
// kIoError when a file cannot be read; kInvalidArgument for a missing column, a malformed
// code, a repeated code, an unknown reference or a cycle of included activities.
Result<Catalogue> read_catalogue(const RbacFiles& files, const std::set<std::string>& known_job_roles);

// Reads a job role file (code,name,staff_group_code,staff_group_name,job_group_code,
// job_group_name). The group columns may be empty; such roles get the "Unmapped" groups.
Result<std::vector<JobRole>> read_job_role_file(const std::filesystem::path& path);

// Splits a list of codes separated by spaces (or semicolons), dropping empty items.
std::vector<std::string> split_codes(std::string_view text);

}  // namespace careid::provisioning::rbac
