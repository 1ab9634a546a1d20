#include "provisioning/rbac/rbac_files.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "provisioning/csv_reader.h"

namespace careid::provisioning::rbac {
namespace {

namespace fs = std::filesystem;

// A CSV file with a header row, read into maps of column name to value.
class TableReader {
 public:
  static Result<TableReader> open(const fs::path& path, const std::vector<std::string>& required) {
    auto reader = CsvReader::open(path);
    if (!reader.ok()) {
      return reader.status();
    }
    TableReader table(std::move(*reader));
    CAREID_RETURN_IF_ERROR(table.read_header(required));
    return table;
  }

  // Reads the next data row; false at end of file. Comment rows are skipped.
  Result<bool> next(std::map<std::string, std::string>& row) {
    std::vector<std::string> fields;
    while (true) {
      auto more = reader_.next(fields);
      if (!more.ok() || !*more) {
        return more;
      }
      if (!is_comment(fields)) {
        break;
      }
    }
    row.clear();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      row[columns_[i]] = i < fields.size() ? trim(fields[i]) : "";
    }
    return true;
  }

  // "file:line: " for messages about the row last read.
  std::string where() const {
    return reader_.path().string() + ":" + std::to_string(reader_.record_line()) + ": ";
  }

 private:
  explicit TableReader(CsvReader reader) : reader_(std::move(reader)) {}

  static bool is_comment(const std::vector<std::string>& fields) {
    return fields.empty() || (fields.size() == 1 && trim(fields[0]).empty()) ||
           (!fields[0].empty() && fields[0][0] == '#');
  }

  static std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
      text.remove_suffix(1);
    }
    return std::string(text);
  }

  Status read_header(const std::vector<std::string>& required) {
    std::vector<std::string> fields;
    do {
      auto more = reader_.next(fields);
      if (!more.ok()) {
        return more.status();
      }
      if (!*more) {
        return Status::invalid_argument(reader_.path().string() + ": the file is empty; expected a header row");
      }
    } while (is_comment(fields));

    for (const std::string& field : fields) {
      columns_.push_back(trim(field));
    }
    for (const std::string& name : required) {
      if (std::find(columns_.begin(), columns_.end(), name) == columns_.end()) {
        return Status::invalid_argument(where() + "missing column '" + name + "'; see docs/rbac-data.md");
      }
    }
    return Status::ok_status();
  }

  CsvReader reader_;
  std::vector<std::string> columns_;
};

using Row = std::map<std::string, std::string>;

// Calls `visit` with each data row of the CSV file at `path` and the row's "file:line: "
// prefix for messages. Stops at the first error, from the file or from `visit`.
Status for_each_row(const fs::path& path, const std::vector<std::string>& required,
                    const std::function<Status(Row&, const std::string&)>& visit) {
  auto table = TableReader::open(path, required);
  if (!table.ok()) {
    return table.status();
  }

  Row row;
  while (true) {
    auto more = table->next(row);
    if (!more.ok()) {
      return more.status();
    }
    if (!*more) {
      return Status::ok_status();
    }
    CAREID_RETURN_IF_ERROR(visit(row, table->where()));
  }
}

bool is_job_role_code(std::string_view code) {
  return code.size() == 5 && code[0] == 'R' &&
         std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status read_activities(const fs::path& path, Catalogue& catalogue) {
  return for_each_row(path, {"code", "name", "includes"}, [&](Row& row, const std::string& where) {
    Activity activity{row["code"], row["name"], split_codes(row["includes"])};
    if (!is_activity_code(activity.code)) {
      return Status::invalid_argument(where + "invalid activity code '" + activity.code +
                                      "'; expected B and four digits, e.g. B0825");
    }
    if (activity.name.empty()) {
      return Status::invalid_argument(where + "activity " + activity.code + " has no name");
    }
    if (catalogue.find_activity(activity.code)) {
      return Status::invalid_argument(where + "activity " + activity.code + " is listed twice");
    }
    for (const std::string& included : activity.includes) {
      if (!is_activity_code(included)) {
        return Status::invalid_argument(where + "invalid included activity code '" + included +
                                        "'; expected B and four digits");
      }
    }

    catalogue.add_activity(std::move(activity));
    return Status::ok_status();
  });
}

Status read_areas_of_work(const fs::path& path, Catalogue& catalogue) {
  return for_each_row(path, {"code", "name"}, [&](Row& row, const std::string& where) {
    if (row["code"].empty() || row["name"].empty()) {
      return Status::invalid_argument(where + "an area of work needs a code and a name");
    }
    if (catalogue.find_area_of_work(row["code"])) {
      return Status::invalid_argument(where + "area of work " + row["code"] + " is listed twice");
    }

    catalogue.add_area_of_work(AreaOfWork{row["code"], row["name"]});
    return Status::ok_status();
  });
}

Status read_baseline(const fs::path& path, const std::set<std::string>& known_job_roles, Catalogue& catalogue) {
  return for_each_row(path, {"job_role", "area_of_work", "activities"}, [&](Row& row, const std::string& where) {
    BaselineRule rule{row["job_role"], row["area_of_work"], split_codes(row["activities"])};
    if (!known_job_roles.contains(rule.job_role)) {
      return Status::invalid_argument(where + "unknown job role '" + rule.job_role +
                                      "'; use an R-code of the job role list, e.g. R8000");
    }
    for (const std::string& activity : rule.activities) {
      if (!catalogue.find_activity(activity)) {
        return Status::invalid_argument(where + "unknown activity '" + activity +
                                        "'; add it to the activity file first");
      }
    }

    catalogue.add_baseline_rule(std::move(rule));
    return Status::ok_status();
  });
}

}  // namespace

std::vector<std::string> split_codes(std::string_view text) {
  std::vector<std::string> codes;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == ';' || c == '\t') {
      if (!current.empty()) {
        codes.push_back(std::move(current));
        current.clear();
      }
    } else {
      current += c;
    }
  }
  if (!current.empty()) {
    codes.push_back(std::move(current));
  }
  return codes;
}

Result<std::vector<JobRole>> read_job_role_file(const fs::path& path) {
  std::vector<JobRole> roles;
  std::set<std::string> seen;
  const std::vector<std::string> columns = {"code",           "name",           "staff_group_code",
                                            "staff_group_name", "job_group_code", "job_group_name"};
  Status read = for_each_row(path, columns, [&](Row& row, const std::string& where) {
    JobRole role;
    role.code = row["code"];
    role.name = row["name"];
    if (!is_job_role_code(role.code) || role.name.empty()) {
      return Status::invalid_argument(where + "invalid job role '" + role.code +
                                      "'; expected R and four digits and a name");
    }
    if (!seen.insert(role.code).second) {
      return Status::invalid_argument(where + "job role " + role.code + " is listed twice");
    }

    role.hierarchy_known = !row["staff_group_code"].empty() && !row["job_group_code"].empty();
    role.staff_group_code = role.hierarchy_known ? row["staff_group_code"] : std::string(kUnmappedStaffGroupCode);
    role.staff_group_name = role.hierarchy_known ? row["staff_group_name"] : std::string(kUnmappedGroupName);
    role.job_group_code = role.hierarchy_known ? row["job_group_code"] : std::string(kUnmappedJobGroupCode);
    role.job_group_name = role.hierarchy_known ? row["job_group_name"] : std::string(kUnmappedGroupName);
    role.closed = role.name.ends_with("(Closed)");
    roles.push_back(std::move(role));
    return Status::ok_status();
  });
  if (!read.ok()) {
    return read;
  }
  return roles;
}

Result<Catalogue> read_catalogue(const RbacFiles& files, const std::set<std::string>& known_job_roles) {
  std::set<std::string> job_roles = known_job_roles;
  if (!files.job_roles.empty()) {
    auto roles = read_job_role_file(files.job_roles);
    if (!roles.ok()) {
      return roles.status();
    }
    for (const JobRole& role : *roles) {
      job_roles.insert(role.code);
    }
  }

  Catalogue catalogue;
  CAREID_RETURN_IF_ERROR(read_activities(files.activities, catalogue));
  if (!files.areas_of_work.empty()) {
    CAREID_RETURN_IF_ERROR(read_areas_of_work(files.areas_of_work, catalogue));
  }
  CAREID_RETURN_IF_ERROR(read_baseline(files.baseline, job_roles, catalogue));
  Status valid = catalogue.validate();
  if (!valid.ok()) {
    // Cycles come from the activity file and unknown codes from the baseline file.
    return valid.with_context(files.activities.string() + " and " + files.baseline.string());
  }
  return catalogue;
}

}  // namespace careid::provisioning::rbac
