#include "provisioning/csv_reader.h"

#include <algorithm>
#include <utility>

namespace careid::provisioning {
namespace {

std::size_t count_quotes(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '"'));
}

void strip_carriage_return(std::string& line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
}

}  // namespace

Status parse_csv_record(std::string_view record, std::vector<std::string>& fields,
                        const CsvLimits& limits) {
  fields.clear();
  fields.emplace_back();
  std::size_t i = 0;

  while (i <= record.size()) {
    std::string& field = fields.back();

    // RFC 4180 2.5: a field that starts with a quote runs to the matching closing quote.
    if (i < record.size() && record[i] == '"' && field.empty()) {
      ++i;
      bool closed = false;
      while (i < record.size()) {
        if (record[i] != '"') {
          field += record[i++];
        } else if (i + 1 < record.size() && record[i + 1] == '"') {
          field += '"';  // RFC 4180 2.7: "" inside a quoted field is one quote
          i += 2;
        } else {
          closed = true;
          ++i;
          break;
        }
      }
      if (!closed) {
        return Status::invalid_argument("unterminated quoted field");
      }
      if (i < record.size() && record[i] != ',') {
        return Status::invalid_argument("unexpected character after a closing quote in field " +
                                        std::to_string(fields.size()));
      }
    } else {
      while (i < record.size() && record[i] != ',') {
        field += record[i++];
      }
    }

    if (i >= record.size()) {
      break;
    }
    ++i;  // the comma
    if (fields.size() == limits.max_fields) {
      return Status::invalid_argument("more than " + std::to_string(limits.max_fields) +
                                      " fields");
    }
    fields.emplace_back();
  }
  return Status::ok_status();
}

CsvReader::CsvReader(std::filesystem::path path, std::unique_ptr<std::ifstream> in,
                     CsvLimits limits)
    : path_(std::move(path)), in_(std::move(in)), limits_(limits) {}

Result<CsvReader> CsvReader::open(const std::filesystem::path& path, const CsvLimits& limits) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!in->is_open()) {
    return Status::io_error("cannot open " + path.string() + " for reading");
  }
  return CsvReader(path, std::move(in), limits);
}

bool CsvReader::read_record_text(std::string& record, bool& too_long) {
  record.clear();
  too_long = false;
  std::string line;
  if (!std::getline(*in_, line)) {
    return false;
  }
  record_line_ = next_line_++;
  strip_carriage_return(line);
  record = std::move(line);

  // An odd number of quotes so far means a quoted field continues on the next line
  // (RFC 4180 2.6). Doubled quotes do not change the parity.
  std::size_t quotes = count_quotes(record);
  while (quotes % 2 == 1 && std::getline(*in_, line)) {
    ++next_line_;
    strip_carriage_return(line);
    quotes += count_quotes(line);
    if (too_long || record.size() + line.size() + 1 > limits_.max_record_bytes) {
      too_long = true;
      record.clear();
      continue;
    }
    record += '\n';
    record += line;
  }
  if (record.size() > limits_.max_record_bytes) {
    too_long = true;
  }
  return true;
}

Result<bool> CsvReader::next(std::vector<std::string>& fields) {
  std::string record;
  bool too_long = false;
  if (!read_record_text(record, too_long)) {
    if (in_->bad()) {
      return Status::io_error("read failed on " + path_.string() + " after line " +
                              std::to_string(next_line_ - 1));
    }
    return false;
  }

  std::string where = path_.filename().string() + ":" + std::to_string(record_line_);
  if (too_long) {
    return Status::invalid_argument(where + ": record longer than " +
                                    std::to_string(limits_.max_record_bytes) + " bytes");
  }
  Status parsed = parse_csv_record(record, fields, limits_);
  if (!parsed.ok()) {
    return parsed.with_context(where);
  }
  return true;
}

}  // namespace careid::provisioning
