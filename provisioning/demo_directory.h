// The whole demo directory: tree skeleton, national job roles, organisations and workforce,
// built from the reference files that careid ships in data/reference/.
//
// Entries reach the sink in this order, each parent before its children: the skeleton
// (directory_entries.h), the job roles, the trusts, the GP practices, then the workforce
// (workforce.h) with the demo person first. Reference data (about 7,000 organisations and
// 392 roles) is held in memory; people are streamed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "base/status.h"
#include "provisioning/directory_entries.h"
#include "provisioning/job_roles.h"
#include "provisioning/organisations.h"
#include "provisioning/workforce.h"

namespace careid::provisioning {

struct ReferenceFiles {
  std::filesystem::path job_roles;     // CodeSystem-UKCore-SDSJobRoleName.xml
  std::filesystem::path trusts;        // etr.csv
  std::filesystem::path gp_practices;  // gp-reg-pat-prac-map.csv

  // The three files under their shipped names in `directory`.
  static ReferenceFiles in_directory(const std::filesystem::path& directory);
};

struct ReferenceData {
  JobRoleCatalogue job_roles;
  std::vector<Organisation> trusts;
  std::vector<Organisation> gp_practices;
  LoadReport trust_report;
  LoadReport gp_practice_report;
};

// Loads and checks the three files; see job_roles.h and organisations.h for what fails and
// what is skipped. A practice whose ODS code is also a trust's is skipped and reported.
Result<ReferenceData> load_reference_data(const ReferenceFiles& files);

struct DemoDirectoryOptions {
  ReferenceFiles files;
  WorkforceOptions workforce;
};

struct DemoDirectorySummary {
  std::uint64_t skeleton_entries = 0;
  std::uint64_t job_roles = 0;
  std::uint64_t job_roles_with_known_hierarchy = 0;
  std::uint64_t trusts = 0;
  std::uint64_t gp_practices = 0;
  WorkforceCounts workforce;
  std::uint64_t total_entries = 0;
  LoadReport trust_report;
  LoadReport gp_practice_report;
};

// Streams every entry of the reference data to `sink`. Stops at the sink's first non-OK
// Status and returns it.
Result<DemoDirectorySummary> generate_demo_directory(const ReferenceData& data,
                                                     const WorkforceOptions& workforce,
                                                     const EntrySink& sink);

// Loads the reference files and then streams the directory, as above.
Result<DemoDirectorySummary> generate_demo_directory(const DemoDirectoryOptions& options,
                                                     const EntrySink& sink);

}  // namespace careid::provisioning
