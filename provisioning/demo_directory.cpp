#include "provisioning/demo_directory.h"

#include <unordered_set>
#include <utility>

#include "base/log.h"

namespace careid::provisioning {
namespace {

// Drops practices whose ODS code a trust already uses, because both would have the same DN.
void drop_code_clashes(ReferenceData& data, const std::filesystem::path& gp_file) {
  std::unordered_set<std::string> trust_codes;
  for (const Organisation& trust : data.trusts) {
    trust_codes.insert(trust.ods_code);
  }

  std::vector<Organisation> practices_kept;
  practices_kept.reserve(data.gp_practices.size());
  for (Organisation& practice : data.gp_practices) {
    if (trust_codes.count(practice.ods_code) == 0) {
      practices_kept.push_back(std::move(practice));
      continue;
    }
    LoadReport& report = data.gp_practice_report;
    report.rows_skipped += 1;
    report.rows_loaded -= 1;
    if (report.problems.size() < kMaxReportedProblems) {
      report.problems.push_back({gp_file.filename().string(), 0,
                                 "ODS code " + practice.ods_code + " is also a trust's code"});
    }
  }
  data.gp_practices = std::move(practices_kept);
}

}  // namespace

ReferenceFiles ReferenceFiles::in_directory(const std::filesystem::path& directory) {
  return {directory / "CodeSystem-UKCore-SDSJobRoleName.xml", directory / "etr.csv",
          directory / "gp-reg-pat-prac-map.csv"};
}

Result<ReferenceData> load_reference_data(const ReferenceFiles& files) {
  ReferenceData data;
  auto roles = load_job_roles(files.job_roles);
  if (!roles.ok()) {
    return roles.status();
  }
  data.job_roles = std::move(roles).value();

  auto trusts = load_trusts(files.trusts, data.trust_report);
  if (!trusts.ok()) {
    return trusts.status();
  }
  data.trusts = std::move(trusts).value();

  auto practices = load_gp_practices(files.gp_practices, data.gp_practice_report);
  if (!practices.ok()) {
    return practices.status();
  }
  data.gp_practices = std::move(practices).value();
  drop_code_clashes(data, files.gp_practices);

  log::get("provisioning")
      ->info("loaded reference data job_roles={} trusts={} gp_practices={} skipped_rows={}",
             data.job_roles.roles.size(), data.trusts.size(), data.gp_practices.size(),
             data.trust_report.rows_skipped + data.gp_practice_report.rows_skipped);
  return data;
}

Result<DemoDirectorySummary> generate_demo_directory(const ReferenceData& data,
                                                     const WorkforceOptions& workforce,
                                                     const EntrySink& sink) {
  DemoDirectorySummary summary;
  summary.trust_report = data.trust_report;
  summary.gp_practice_report = data.gp_practice_report;

  for (const directory::Entry& entry : skeleton_entries()) {
    CAREID_RETURN_IF_ERROR(sink(entry));
    ++summary.skeleton_entries;
  }
  for (const JobRole& role : data.job_roles.roles) {
    CAREID_RETURN_IF_ERROR(sink(job_role_entry(role, data.job_roles.date)));
    ++summary.job_roles;
    summary.job_roles_with_known_hierarchy += role.hierarchy_known ? 1 : 0;
  }
  for (const Organisation& trust : data.trusts) {
    CAREID_RETURN_IF_ERROR(sink(organisation_entry(trust)));
    ++summary.trusts;
  }
  for (const Organisation& practice : data.gp_practices) {
    CAREID_RETURN_IF_ERROR(sink(organisation_entry(practice)));
    ++summary.gp_practices;
  }

  auto counts = generate_workforce(data.job_roles, data.trusts, data.gp_practices, workforce, sink);
  if (!counts.ok()) {
    return counts.status();
  }
  summary.workforce = *counts;
  summary.total_entries = summary.skeleton_entries + summary.job_roles + summary.trusts +
                          summary.gp_practices + counts->people + counts->org_persons +
                          counts->role_profiles;
  return summary;
}

Result<DemoDirectorySummary> generate_demo_directory(const DemoDirectoryOptions& options,
                                                     const EntrySink& sink) {
  auto data = load_reference_data(options.files);
  if (!data.ok()) {
    return data.status();
  }
  return generate_demo_directory(*data, options.workforce, sink);
}

}  // namespace careid::provisioning
