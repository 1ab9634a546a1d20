// CsvReader: reads comma-separated files as RFC 4180 describes them, one record at a time.
//
// Fields are separated by commas. A field may be enclosed in double quotes, and then may
// contain commas, line breaks and doubled quotes ("" stands for one "), as RFC 4180 section 2
// rules 5 to 7 allow. Records end at LF or CRLF. The reader keeps one record in memory, so
// files of any length can be read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::provisioning {

struct CsvLimits {
  // A record longer than this (quoted line breaks included) is reported as invalid and skipped.
  std::size_t max_record_bytes = 64 * 1024;
  // A record with more fields than this is reported as invalid.
  std::size_t max_fields = 256;
};

// Splits one complete record into `fields`. Returns kInvalidArgument for an unterminated
// quoted field, a character after a closing quote, or more than limits.max_fields fields.
Status parse_csv_record(std::string_view record, std::vector<std::string>& fields,
                        const CsvLimits& limits = {});

class CsvReader {
 public:
  // Opens `path` for reading. Returns kIoError naming the file when it cannot be opened.
  static Result<CsvReader> open(const std::filesystem::path& path, const CsvLimits& limits = {});

  // Reads the next record into `fields`. Returns true when a record was read and false at end
  // of file. A malformed record returns kInvalidArgument, with the file and line in the
  // message. The reader has then moved past that record, so the caller may skip it and go on.
  // kIoError is returned when reading fails.
  Result<bool> next(std::vector<std::string>& fields);

  // Line number (1-based) on which the record last returned by next() starts.
  std::size_t record_line() const { return record_line_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  CsvReader(std::filesystem::path path, std::unique_ptr<std::ifstream> in, CsvLimits limits);

  // Reads physical lines until the quotes in `record` balance. Returns false at end of file.
  bool read_record_text(std::string& record, bool& too_long);

  std::filesystem::path path_;
  std::unique_ptr<std::ifstream> in_;
  CsvLimits limits_;
  std::size_t next_line_ = 1;
  std::size_t record_line_ = 0;
};

}  // namespace careid::provisioning
