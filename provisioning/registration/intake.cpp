#include "provisioning/registration/intake.h"

#include <charconv>
#include <fstream>
#include <map>
#include <vector>

#include "provisioning/csv_reader.h"

namespace careid::provisioning::registration {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kRequiredColumns = {"given_name", "surname",    "mail",          "org",
                                                   "start_date", "id_check_level"};
// Optional columns: job_role or position (one of them per row), end_date and uid.

struct Row {
  std::size_t line = 0;
  std::map<std::string, std::string> fields;
  const std::string& operator[](const std::string& name) { return fields[name]; }
};

Result<std::vector<std::string>> read_header(CsvReader& reader) {
  std::vector<std::string> header;
  auto more = reader.next(header);
  if (!more.ok()) {
    return more.status();
  }
  if (!*more) {
    return Status::invalid_argument(reader.path().string() + " is empty; expected a header row");
  }
  for (const std::string& name : kRequiredColumns) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      return Status::invalid_argument(reader.path().string() + ": missing column '" + name +
                                      "'; see docs/rbac-data.md");
    }
  }
  return header;
}

// Reads every row first, so that progress can show a total and bad CSV records are
// reported with their line like any other rejected row.
Status read_rows(CsvReader& reader, const std::vector<std::string>& header, std::vector<Row>& rows,
                 std::vector<std::pair<std::size_t, std::string>>& malformed) {
  std::vector<std::string> fields;
  while (true) {
    auto more = reader.next(fields);
    if (!more.ok() && more.status().code() == StatusCode::kInvalidArgument) {
      malformed.emplace_back(reader.record_line(), more.status().message());
      continue;
    }
    if (!more.ok()) {
      return more.status();
    }
    if (!*more) {
      return Status::ok_status();
    }
    if (fields.size() == 1 && fields[0].empty()) {
      continue;
    }
    Row row{reader.record_line(), {}};
    for (std::size_t i = 0; i < header.size(); ++i) {
      row.fields[header[i]] = i < fields.size() ? fields[i] : "";
    }
    rows.push_back(std::move(row));
  }
}

// Registers (or finds) the person of one row and assigns its role, counting the outcome in
// `summary`.
Status process_row(Registrar& registrar, Row& row, IntakeSummary& summary, CardIssuer* card_issuer) {
  int level = 0;
  const std::string& level_text = row["id_check_level"];
  auto [end, error] = std::from_chars(level_text.data(), level_text.data() + level_text.size(), level);
  if (error != std::errc() || end != level_text.data() + level_text.size()) {
    return Status::invalid_argument("invalid id_check_level '" + level_text + "'; use 1, 2 or 3");
  }
  auto start = rbac::parse_iso_date(row["start_date"]);
  if (!start.ok()) {
    return start.status();
  }
  std::optional<rbac::Date> end_date;
  if (!row["end_date"].empty()) {
    auto parsed = rbac::parse_iso_date(row["end_date"]);
    if (!parsed.ok()) {
      return parsed.status();
    }
    end_date = *parsed;
  }

  RoleRequest role{"", row["org"], row["job_role"], row["position"], *start, end_date};
  CAREID_RETURN_IF_ERROR(registrar.check_role(role));

  // The person: found by mail on a rerun.
  auto person = registrar.find_or_register_person(
      PersonRequest{row["uid"], row["given_name"], row["surname"], row["mail"], level});
  if (!person.ok()) {
    return person.status();
  }
  const std::string& uid = person->uid;
  if (!person->registered && !row["uid"].empty() && row["uid"] != uid) {
    return Status::already_exists("mail " + row["mail"] + " belongs to uid " + uid + ", not " + row["uid"]);
  }

  role.uid = uid;
  auto assigned = registrar.assign_role(role);
  if (!assigned.ok()) {
    return assigned.status().with_context("uid " + uid + (person->registered ? " (registered)" : ""));
  }
  summary.registered += person->registered ? 1 : 0;
  summary.roles_assigned += assigned->already_present ? 0 : 1;

  bool card_existed = true;
  if (card_issuer != nullptr) {
    auto card = card_issuer->ensure_card(uid);
    if (!card.ok()) {
      return card.status().with_context("card for uid " + uid);
    }
    card_existed = *card == CardOutcome::kAlreadyIssued;
    summary.cards_issued += card_existed ? 0 : 1;
  }
  summary.already_done += (!person->registered && assigned->already_present && card_existed) ? 1 : 0;
  return Status::ok_status();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

}  // namespace

Result<IntakeSummary> run_intake(Registrar& registrar, const IntakeOptions& options) {
  auto reader = CsvReader::open(options.csv);
  if (!reader.ok()) {
    return reader.status();
  }
  auto header = read_header(*reader);
  if (!header.ok()) {
    return header.status();
  }
  std::vector<Row> rows;
  std::vector<std::pair<std::size_t, std::string>> rejected;
  CAREID_RETURN_IF_ERROR(read_rows(*reader, *header, rows, rejected));

  std::ofstream report;
  if (!options.report.empty()) {
    report.open(options.report, std::ios::trunc);
    if (!report) {
      return Status::io_error("cannot write report file " + options.report.string());
    }
    report << "line,mail,reason\n";
  }
  for (const auto& [line, reason] : rejected) {
    report << line << ",," << csv_field(reason) << "\n";
  }

  IntakeSummary summary;
  summary.rows = rows.size() + rejected.size();
  summary.rejected = rejected.size();
  std::uint64_t done = rejected.size();
  for (Row& row : rows) {
    Status status = process_row(registrar, row, summary, options.card_issuer);
    if (status.code() == StatusCode::kUnavailable) {
      return status.with_context("line " + std::to_string(row.line));
    }
    if (!status.ok()) {
      ++summary.rejected;
      if (report.is_open()) {
        report << row.line << "," << csv_field(row["mail"]) << "," << csv_field(status.message()) << "\n";
      }
    }
    ++done;
    if (options.progress) {
      options.progress(done, summary.rows);
    }
  }

  report.flush();
  if (report.is_open() && !report) {
    return Status::io_error("cannot write report file " + options.report.string());
  }
  return summary;
}

}  // namespace careid::provisioning::registration
