// Organisations: NHS trusts from the ODS "etr" extract and GP practices from NHS Digital's
// "Patients Registered at a GP Practice" mapping file.
//
// Bad rows are skipped, not fatal: each one is counted and reported with file, line and
// reason in a LoadReport, and logged at warn level (the first kMaxLoggedProblems of each
// file). A load fails only when the file cannot be read, the GP file's header lacks a
// required column, no row is valid, or more than a tenth of the rows are bad. That many bad
// rows suggests the wrong file or layout rather than a few damaged rows.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace careid::provisioning {

inline constexpr std::size_t kMaxReportedProblems = 100;
inline constexpr std::size_t kMaxLoggedProblems = 10;

enum class OrganisationKind { kTrust, kGpPractice };

struct Organisation {
  OrganisationKind kind = OrganisationKind::kTrust;
  std::string ods_code;                    // e.g. "R0A" or "A81001"
  std::string name;                        // as published, e.g. "THE DENSHAM SURGERY"
  std::vector<std::string> address_lines;  // non-empty lines, postcode excluded
  std::string locality;                    // the l attribute, see organisations.cpp
  std::string postcode;
  std::string open_date;   // YYYYMMDD, or empty when the file gives none
  std::string close_date;  // YYYYMMDD, or empty while open
  std::string parent_code; // trusts: health geography code; practices: CCG code
  std::string ccg_code;    // practices only
  std::string telephone;   // trusts only, often empty
  std::string country;     // "England" or "Wales", or empty when unknown

  bool is_open() const { return close_date.empty(); }
};

struct InputProblem {
  std::string file;  // file name without directory
  std::size_t line = 0;  // 1-based; 0 when the problem is not tied to one line
  std::string reason;
};

struct LoadReport {
  std::size_t rows_read = 0;     // data rows, the header line not counted
  std::size_t rows_loaded = 0;
  std::size_t rows_skipped = 0;
  std::vector<InputProblem> problems;  // the first kMaxReportedProblems skipped rows
};

// Reads etr.csv, which has no header line and 27 quoted columns in the ODS standard layout.
// The columns used are 1 code, 2 name, 4 high level health geography, 5-9 address lines 1-5,
// 10 postcode, 11 open date, 12 close date, 18 telephone and 24 government office region.
Result<std::vector<Organisation>> load_trusts(const std::filesystem::path& path,
                                              LoadReport& report);

// Reads gp-reg-pat-prac-map.csv: a header line naming the columns, of which PRACTICE_CODE,
// PRACTICE_NAME, PRACTICE_POSTCODE, CCG_CODE and CCG_NAME are required. The file has no
// street address, so address_lines contains the practice name alone.
Result<std::vector<Organisation>> load_gp_practices(const std::filesystem::path& path,
                                                    LoadReport& report);

}  // namespace careid::provisioning
