#include "provisioning/organisations.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_set>
#include <utility>

#include "base/log.h"
#include "provisioning/csv_reader.h"

namespace careid::provisioning {
namespace {

constexpr std::size_t kEtrColumns = 27;

// Column positions (0-based) in the ODS standard layout used by etr.csv.
constexpr std::size_t kEtrCode = 0;
constexpr std::size_t kEtrName = 1;
constexpr std::size_t kEtrHealthGeography = 3;
constexpr std::size_t kEtrAddressFirst = 4;  // address lines 1-5 are columns 5-9
constexpr std::size_t kEtrTown = 7;          // address line 4
constexpr std::size_t kEtrPostcode = 9;
constexpr std::size_t kEtrOpenDate = 10;
constexpr std::size_t kEtrCloseDate = 11;
constexpr std::size_t kEtrTelephone = 17;
constexpr std::size_t kEtrRegion = 23;

bool is_upper_alnum(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z');
}

// ODS codes are 3 (trusts) to 6 (practices) upper-case letters and digits. Only these
// characters are allowed because the code becomes an RDN value unescaped.
bool is_ods_code(std::string_view code) {
  return code.size() >= 3 && code.size() <= 6 && std::all_of(code.begin(), code.end(), is_upper_alnum);
}

// A UK postcode: outward code of 2-4 characters, one space, inward code digit-letter-letter.
bool is_postcode(std::string_view postcode) {
  std::size_t space = postcode.find(' ');
  if (space == std::string_view::npos || space < 2 || space > 4 || postcode.size() != space + 4) {
    return false;
  }
  std::string_view outward = postcode.substr(0, space);
  std::string_view inward = postcode.substr(space + 1);
  bool letters = std::isupper(static_cast<unsigned char>(inward[1])) &&
                 std::isupper(static_cast<unsigned char>(inward[2]));
  return std::isupper(static_cast<unsigned char>(outward[0])) &&
         std::all_of(outward.begin(), outward.end(), is_upper_alnum) &&
         std::isdigit(static_cast<unsigned char>(inward[0])) && letters;
}

// YYYYMMDD with a plausible month and day; empty is allowed and means "not given".
bool is_date_or_empty(std::string_view date) {
  if (date.empty()) {
    return true;
  }
  auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  if (date.size() != 8 || !std::all_of(date.begin(), date.end(), is_digit)) {
    return false;
  }
  int month = std::stoi(std::string(date.substr(4, 2)));
  int day = std::stoi(std::string(date.substr(6, 2)));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Government office region codes A-K are English regions and W is Wales.
std::string country_for_region(std::string_view region) {
  if (region == "W") {
    return "Wales";
  }
  if (region.size() == 1 && region[0] >= 'A' && region[0] <= 'K') {
    return "England";
  }
  return {};
}

// "NHS Tees Valley CCG" becomes "Tees Valley": the practice file has no town, so the
// locality is the area of the practice's clinical commissioning group.
std::string ccg_area(std::string_view ccg_name) {
  std::string area = trim(ccg_name);
  if (area.starts_with("NHS ")) {
    area.erase(0, 4);
  }
  if (area.ends_with(" CCG")) {
    area.erase(area.size() - 4);
  }
  return area;
}

// Checks the fields both files share. Returns the reason the row is invalid, or empty.
std::string check_organisation(const Organisation& org) {
  if (!is_ods_code(org.ods_code)) {
    return "invalid ODS code '" + org.ods_code + "': expected 3 to 6 upper-case letters or digits";
  }
  if (org.name.empty()) {
    return "missing name for " + org.ods_code;
  }
  if (!is_postcode(org.postcode)) {
    return "invalid postcode '" + org.postcode + "' for " + org.ods_code;
  }
  if (org.locality.empty()) {
    return "missing town for " + org.ods_code;
  }
  if (!is_date_or_empty(org.open_date) || !is_date_or_empty(org.close_date)) {
    return "invalid open or close date for " + org.ods_code + ": expected YYYYMMDD";
  }
  return {};
}

// Collects skipped rows for one file and decides at the end whether the load failed.
class RowAccounting {
 public:
  RowAccounting(const std::filesystem::path& path, LoadReport& report)
      : file_(path.filename().string()), report_(report) {
    report_ = LoadReport{};
  }

  void skip(std::size_t line, std::string reason) {
    ++report_.rows_skipped;
    if (report_.rows_skipped <= kMaxLoggedProblems) {
      log::get("provisioning")->warn("skipped row file={} line={} reason=\"{}\"", file_, line, reason);
    }
    if (report_.problems.size() < kMaxReportedProblems) {
      report_.problems.push_back({file_, line, std::move(reason)});
    }
  }

  // Records a row that passed its own checks; the caller still drops duplicates with skip().
  void read() { ++report_.rows_read; }

  Status finish(std::size_t loaded) {
    report_.rows_loaded = loaded;
    if (report_.rows_skipped > kMaxLoggedProblems) {
      log::get("provisioning")->warn("skipped rows file={} count={} (only the first {} logged)",
                                     file_, report_.rows_skipped, kMaxLoggedProblems);
    }
    if (loaded == 0) {
      return Status::invalid_argument(file_ + ": no valid rows");
    }
    if (report_.rows_skipped * 10 > report_.rows_read) {
      return Status::invalid_argument(
          file_ + ": " + std::to_string(report_.rows_skipped) + " of " +
          std::to_string(report_.rows_read) +
          " rows are invalid, more than a tenth; is this the right file? First problem: line " +
          std::to_string(report_.problems.front().line) + ": " + report_.problems.front().reason);
    }
    return Status::ok_status();
  }

 private:
  std::string file_;
  LoadReport& report_;
};

Organisation trust_from_fields(const std::vector<std::string>& fields) {
  Organisation org;
  org.kind = OrganisationKind::kTrust;
  org.ods_code = trim(fields[kEtrCode]);
  org.name = trim(fields[kEtrName]);
  for (std::size_t i = kEtrAddressFirst; i < kEtrAddressFirst + 5; ++i) {
    std::string line = trim(fields[i]);
    if (!line.empty()) {
      org.address_lines.push_back(std::move(line));
    }
  }
  org.locality = trim(fields[kEtrTown]);
  if (org.locality.empty() && !org.address_lines.empty()) {
    org.locality = org.address_lines.back();
  }
  org.postcode = trim(fields[kEtrPostcode]);
  org.open_date = trim(fields[kEtrOpenDate]);
  org.close_date = trim(fields[kEtrCloseDate]);
  org.parent_code = trim(fields[kEtrHealthGeography]);
  org.telephone = trim(fields[kEtrTelephone]);
  org.country = country_for_region(trim(fields[kEtrRegion]));
  return org;
}

struct GpColumns {
  std::size_t code = 0;
  std::size_t name = 0;
  std::size_t postcode = 0;
  std::size_t ccg_code = 0;
  std::size_t ccg_name = 0;
  std::size_t count = 0;  // columns in the header
};

Result<GpColumns> find_gp_columns(const std::vector<std::string>& header, const std::string& file) {
  std::map<std::string, std::size_t, std::less<>> positions;
  for (std::size_t i = 0; i < header.size(); ++i) {
    positions.emplace(trim(header[i]), i);
  }

  GpColumns columns;
  columns.count = header.size();
  const std::pair<std::string_view, std::size_t*> wanted[] = {
      {"PRACTICE_CODE", &columns.code},       {"PRACTICE_NAME", &columns.name},
      {"PRACTICE_POSTCODE", &columns.postcode}, {"CCG_CODE", &columns.ccg_code},
      {"CCG_NAME", &columns.ccg_name},
  };
  for (const auto& [name, position] : wanted) {
    auto found = positions.find(name);
    if (found == positions.end()) {
      return Status::invalid_argument(file + ": header line has no " + std::string(name) +
                                      " column; is this the GP practice mapping file?");
    }
    *position = found->second;
  }
  return columns;
}

Organisation practice_from_fields(const std::vector<std::string>& fields, const GpColumns& columns) {
  Organisation org;
  org.kind = OrganisationKind::kGpPractice;
  org.ods_code = trim(fields[columns.code]);
  org.name = trim(fields[columns.name]);
  if (!org.name.empty()) {
    org.address_lines.push_back(org.name);
  }
  org.locality = ccg_area(fields[columns.ccg_name]);
  org.postcode = trim(fields[columns.postcode]);
  org.ccg_code = trim(fields[columns.ccg_code]);
  org.parent_code = org.ccg_code;
  org.country = "England";
  return org;
}

}  // namespace

Result<std::vector<Organisation>> load_trusts(const std::filesystem::path& path,
                                              LoadReport& report) {
  auto reader = CsvReader::open(path);
  if (!reader.ok()) {
    return reader.status();
  }
  RowAccounting accounting(path, report);
  std::vector<Organisation> trusts;
  std::unordered_set<std::string> seen;
  std::vector<std::string> fields;

  while (true) {
    auto more = reader->next(fields);
    if (!more.ok() && more.status().code() != StatusCode::kInvalidArgument) {
      return more.status();
    }
    if (more.ok() && !*more) {
      break;
    }
    accounting.read();
    if (!more.ok()) {
      accounting.skip(reader->record_line(), more.status().message());
      continue;
    }
    if (fields.size() != kEtrColumns) {
      accounting.skip(reader->record_line(), std::to_string(fields.size()) + " columns, expected " +
                                                 std::to_string(kEtrColumns));
      continue;
    }

    Organisation org = trust_from_fields(fields);
    std::string problem = check_organisation(org);
    if (problem.empty() && !seen.insert(org.ods_code).second) {
      problem = "ODS code " + org.ods_code + " repeats an earlier row";
    }
    if (!problem.empty()) {
      accounting.skip(reader->record_line(), std::move(problem));
      continue;
    }
    trusts.push_back(std::move(org));
  }

  CAREID_RETURN_IF_ERROR(accounting.finish(trusts.size()));
  return trusts;
}

Result<std::vector<Organisation>> load_gp_practices(const std::filesystem::path& path,
                                                    LoadReport& report) {
  auto reader = CsvReader::open(path);
  if (!reader.ok()) {
    return reader.status();
  }
  std::string file = path.filename().string();
  std::vector<std::string> fields;
  auto header = reader->next(fields);
  if (!header.ok()) {
    return header.status();
  }
  if (!*header) {
    return Status::invalid_argument(file + ": empty file, expected a header line");
  }
  auto columns = find_gp_columns(fields, file);
  if (!columns.ok()) {
    return columns.status();
  }

  RowAccounting accounting(path, report);
  std::vector<Organisation> practices;
  std::unordered_set<std::string> seen;
  while (true) {
    auto more = reader->next(fields);
    if (!more.ok() && more.status().code() != StatusCode::kInvalidArgument) {
      return more.status();
    }
    if (more.ok() && !*more) {
      break;
    }
    accounting.read();
    if (!more.ok()) {
      accounting.skip(reader->record_line(), more.status().message());
      continue;
    }
    if (fields.size() != columns->count) {
      accounting.skip(reader->record_line(), std::to_string(fields.size()) +
                                                 " columns, expected " +
                                                 std::to_string(columns->count) + " as in the header");
      continue;
    }

    Organisation org = practice_from_fields(fields, *columns);
    std::string problem = check_organisation(org);
    if (problem.empty() && org.ccg_code.empty()) {
      problem = "missing CCG code for " + org.ods_code;
    }
    if (problem.empty() && !seen.insert(org.ods_code).second) {
      problem = "ODS code " + org.ods_code + " repeats an earlier row";
    }
    if (!problem.empty()) {
      accounting.skip(reader->record_line(), std::move(problem));
      continue;
    }
    practices.push_back(std::move(org));
  }

  CAREID_RETURN_IF_ERROR(accounting.finish(practices.size()));
  return practices;
}

}  // namespace careid::provisioning
