// Reader: streams LDIF records (RFC 2849) from an std::istream.
//
// Accepted syntax:
//   - an optional "version: 1" line before the first record, and "#" comment lines
//   - folded lines: a line starting with one space continues the previous line (RFC 2849
//     note 2), and LF or CRLF line ends
//   - "attr: value", "attr:: base64" and attribute options ("cn;lang-en")
//   - content records, and change records (changetype add, delete, modify with
//     add/delete/replace/increment blocks, modrdn/moddn) with optional control lines
// Leniencies: a plain value may contain bytes above 127 (UTF-8 written by other tools),
// and the "-" after the last block of a modify record may be missing.
// Rejected: "attr:< URL" values (kUnimplemented), and everything else that RFC 2849 does
// not allow (kInvalidArgument). Every message starts with "line N:", the number of the
// physical line (from 1) where the offending logical line begins.
//
// After an error the reader skips to the end of the bad record, so the next call continues
// with the following record. Not thread-safe. The stream must outlive the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "directory/ldif/record.h"

namespace careid::directory::ldif {

// Exceeding a limit is kResourceExhausted naming the limit.
struct ReaderLimits {
  // Bytes in one logical line after unfolding, including its attribute description.
  std::size_t max_line_bytes = 8 * 1024 * 1024;
  // Bytes in all logical lines of one record.
  std::size_t max_record_bytes = 16 * 1024 * 1024;
  // Logical lines in one record.
  std::size_t max_record_lines = 100000;
};

// A logical line: unfolded text and the number of its first physical line.
struct LogicalLine {
  std::string text;
  std::uint64_t number = 0;
};

// Parses the logical lines of one record, as Reader::next_lines returns them. Thread-safe.
Result<Record> parse_record_lines(const std::vector<LogicalLine>& lines);

class Reader {
 public:
  explicit Reader(std::istream& input, ReaderLimits limits = {});

  // Returns the next record, or nullopt at the end of the input.
  Result<std::optional<Record>> next();

  // Returns the logical lines of the next record unparsed, or nullopt at the end of the
  // input: next() without parse_record_lines, so that another thread can parse them.
  // Errors in line assembly and limits are returned here, errors in the record's syntax
  // by parse_record_lines.
  Result<std::optional<std::vector<LogicalLine>>> next_lines();

  // The version from a "version:" line, or 0 when the input had none.
  int version() const { return version_; }

 private:
  // Reads the next block of input when the current one is used up. False at the end.
  bool fill_block();
  bool read_physical_line(std::string& line, bool& too_long);
  Status read_record_lines(std::vector<LogicalLine>& lines);
  Status take_version_line(std::vector<LogicalLine>& lines);

  // Input is read in blocks of this size, because a call per character costs several
  // percent of a bulk load. The reader may therefore read up to a block past the last
  // record it returned.
  static constexpr std::size_t kBlockBytes = 64 * 1024;

  std::istream& input_;
  ReaderLimits limits_;
  std::string block_;
  std::size_t block_position_ = 0;
  std::uint64_t line_number_ = 0;
  bool at_start_ = true;
  int version_ = 0;
};

}  // namespace careid::directory::ldif
