// CSV parsing for SUS imports: RFC 4180 records over a file held in memory.
//
// A field may be enclosed in double quotes, and then may contain commas, line breaks and
// doubled quotes ("" is one "), as RFC 4180 section 2 rules 5 to 7 allow. Records end at LF
// or CRLF. The whole file is read into memory first because tariff, MFF and spell imports
// check every row before they store anything, and one read is the fastest way through a
// national month of spells (about 100 MB).
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::sus::csv {

// Reads the whole of `path`. Returns kIoError naming the file when it cannot be read, and
// kResourceExhausted when it is larger than `max_bytes` (default 4 GiB).
Result<std::string> read_file(const std::filesystem::path& path,
                              std::size_t max_bytes = std::size_t{4} << 30);

// Walks the records of a CSV text. The text must outlive the cursor and every field view
// it returns, because fields point into it unless they contained doubled quotes.
class Cursor {
 public:
  // Skips a UTF-8 byte order mark, which spreadsheet programs write at the start of a CSV.
  explicit Cursor(std::string_view text);

  // Splits the next record into `fields`. Returns true when a record was read and false at
  // the end of the text. An unterminated quoted field or a character after a closing quote
  // returns kInvalidArgument naming the line and column (both 1-based); the cursor has
  // then moved past that record. A blank line is returned as one empty field.
  Result<bool> next(std::vector<std::string_view>& fields);

  // Line (1-based) on which the record last returned by next() starts.
  std::size_t record_line() const { return record_line_; }

 private:
  Status parse_quoted(std::size_t field_index, std::string_view& field);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 0;
  // Unescaped copies of quoted fields that contained "". Cleared on each next(). A deque,
  // because growing it must not move the strings that returned views point into.
  std::deque<std::string> unescaped_;
};

// Lower-cases ASCII letters and collapses runs of spaces and underscores into one space,
// trimming both ends, so that "Reduced short stay emergency tariff _applicable?" and
// "reduced short stay emergency tariff applicable?" compare equal.
std::string normalise_header(std::string_view header);

// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);

}  // namespace careid::sus::csv
