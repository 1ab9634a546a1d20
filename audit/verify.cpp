#include "audit/verify.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "audit/record.h"
#include "base/log.h"

namespace careid::audit {

namespace fs = std::filesystem;

namespace {

using nlohmann::json;

// Returns the name of the first field of a record that is missing or has the wrong type,
// or empty when every field is present.
std::string missing_field(const json& record) {
  if (!record.contains("seq") || !record["seq"].is_number_unsigned()) {
    return "seq";
  }
  for (const char* name : {"time", "event", "actor", "subject", "outcome", "client", "prev", "alg", "hash"}) {
    if (!record.contains(name) || !record[name].is_string()) {
      return name;
    }
  }
  if (!record.contains("details") || !record["details"].is_object()) {
    return "details";
  }
  return "";
}

class ChainChecker {
 public:
  explicit ChainChecker(const VerifyOptions& options) : options_(options) {}

  // Returns why `line` breaks the chain, or empty when it continues it.
  std::string check(const std::string& line) {
    if (line.empty()) {
      return "empty line";
    }
    json record = json::parse(line, nullptr, false);
    if (!record.is_object()) {
      return "not a JSON object";
    }
    std::string field = missing_field(record);
    if (!field.empty()) {
      return "field '" + field + "' is missing or has the wrong type";
    }

    std::string reason = check_hash(record);
    if (reason.empty()) reason = check_order(record);
    if (!reason.empty()) {
      return reason;
    }
    last_seq_ = record["seq"].get<std::uint64_t>();
    last_hash_ = record["hash"].get<std::string>();
    started_ = true;
    return "";
  }

  std::uint64_t last_seq() const { return last_seq_; }
  bool key_needed() const { return key_needed_; }
  const std::string& last_hash() const { return last_hash_; }

 private:
  std::string check_hash(json& record) {
    std::string alg = record["alg"].get<std::string>();
    if (alg != kAlgSha256 && alg != kAlgHmacSha256) {
      return "unknown alg '" + alg + "'";
    }
    if (alg == kAlgSha256 && !options_.hmac_key.empty()) {
      return "the record is chained with plain sha256 but the trail is keyed with HMAC: it was rewritten "
             "without the key, or written before the key was set";
    }
    if (alg == kAlgHmacSha256 && options_.hmac_key.empty()) {
      key_needed_ = true;
      return "the record is chained with hmac-sha256; give the key (--key, or audit.hmac_key_file in --config)";
    }

    std::string stored = record["hash"].get<std::string>();
    record.erase("hash");
    Result<std::string> computed = chain_hash(canonical_text(record), alg, options_.hmac_key);
    record["hash"] = stored;
    if (!computed.ok()) {
      return computed.status().message();
    }
    if (*computed != stored) {
      return "hash does not match the record's content: the record was changed";
    }
    return "";
  }

  std::string check_order(const json& record) {
    std::uint64_t seq = record["seq"].get<std::uint64_t>();
    const std::string& prev = record["prev"].get_ref<const std::string&>();
    if (!started_) {
      if (options_.require_start && (seq != 1 || prev != kGenesisHash)) {
        return "the trail starts at seq " + std::to_string(seq) +
               " instead of seq 1 after the genesis hash: earlier records are missing";
      }
      return "";
    }
    if (seq <= last_seq_) {
      return "seq " + std::to_string(seq) + " comes after seq " + std::to_string(last_seq_) +
             ": records are out of order or repeated";
    }
    if (seq != last_seq_ + 1) {
      return "seq " + std::to_string(seq) + " follows seq " + std::to_string(last_seq_) + ": " +
             std::to_string(seq - last_seq_ - 1) + " record(s) are missing or out of order";
    }
    if (prev != last_hash_) {
      return "prev does not match the hash of the record before: a record was removed, inserted or replaced";
    }
    return "";
  }

  const VerifyOptions& options_;
  bool started_ = false;
  std::uint64_t last_seq_ = 0;
  std::string last_hash_;
  bool key_needed_ = false;
};

bool matches_user(const json& record, const std::string& user) {
  std::string uid_prefix = "uid=" + user + ",";
  for (const char* field : {"actor", "subject"}) {
    const std::string& value = record[field].get_ref<const std::string&>();
    if (value == user || value.starts_with(uid_prefix)) {
      return true;
    }
  }
  return false;
}

bool matches(const json& record, const ExportFilter& filter) {
  if (!filter.user.empty() && !matches_user(record, filter.user)) {
    return false;
  }
  if (!filter.event.empty()) {
    const std::string& event = record["event"].get_ref<const std::string&>();
    bool prefix = filter.event.back() == '*';
    std::string_view wanted(filter.event.data(), filter.event.size() - (prefix ? 1 : 0));
    if (prefix ? !event.starts_with(wanted) : event != wanted) {
      return false;
    }
  }
  if (filter.since || filter.until) {
    auto time = parse_time(record["time"].get_ref<const std::string&>());
    if (!time.ok() || (filter.since && *time < *filter.since) || (filter.until && *time >= *filter.until)) {
      return false;
    }
  }
  return true;
}

}  // namespace

VerifyReport verify_trail(const std::vector<fs::path>& files, const VerifyOptions& options) {
  VerifyReport report;
  ChainChecker checker(options);
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return VerifyReport{false, report.records, checker.last_seq(), checker.last_hash(), file, 0,
                          "cannot open the file"};
    }
    std::string line;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::string reason = checker.check(line);
      if (!reason.empty()) {
        VerifyReport bad{false, report.records, checker.last_seq(), checker.last_hash(), file, number, reason};
        bad.key_needed = checker.key_needed();
        return bad;
      }
      ++report.records;
    }
  }
  report.last_seq = checker.last_seq();
  report.last_hash = checker.last_hash();
  return report;
}

Result<ExportSummary> export_records(const std::vector<fs::path>& files, const ExportFilter& filter,
                                     std::ostream& out) {
  ExportSummary summary;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return Status::io_error("cannot read audit log " + file.string());
    }
    std::string line;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      json record = json::parse(line, nullptr, false);
      if (!record.is_object() || !missing_field(record).empty()) {
        log::get("audit")->warn("{} line {}: not an audit record; skipped", file.string(), number);
        ++summary.skipped;
        continue;
      }
      if (matches(record, filter)) {
        out << line << '\n';
        ++summary.written;
      }
    }
  }
  return summary;
}

}  // namespace careid::audit
