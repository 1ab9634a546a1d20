// Writer: Entry and ChangeRecord to LDIF text (RFC 2849).
//
// A value (or DN) is written as "attr: value" when it is printable ASCII (0x20 to 0x7e),
// does not start with a space, ':' or '<' and does not end with a space, which editors
// tend to strip. That is a subset of RFC 2849's SAFE-STRING. Every other value is written
// base64-encoded as "attr:: ...". Lines longer than fold_column are folded: continuation
// lines start with one space, so every physical line has at most fold_column bytes.
//
// Not thread-safe. The stream must outlive the writer.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/ldif/record.h"

namespace careid::directory::ldif {

struct WriterOptions {
  // Write "version: 1" before the first record.
  bool version_header = true;
  // Maximum bytes per physical line, at least 2 (1 is treated as 2). 0 turns folding off.
  std::size_t fold_column = 76;
};

class Writer {
 public:
  explicit Writer(std::ostream& output, WriterOptions options = {});

  // Writes one record, preceded by a blank line when it is not the first. Fails with
  // kInvalidArgument when an attribute description is not valid LDIF (it would make the
  // output unreadable) and with kIoError when the stream fails.
  Status write(const Entry& entry);
  Status write(const ChangeRecord& record);

 private:
  Status begin_record();
  Status finish_record();
  void write_line(std::string_view description, std::string_view value);
  void write_text_line(std::string_view line);
  void write_controls(const ChangeRecord& record);
  Status write_change_body(const ChangeRecord& record);

  std::ostream& output_;
  WriterOptions options_;
  bool first_record_ = true;
};

// True when `value` may be written without base64, by the rule in the file comment.
bool is_safe_string(std::string_view value);

// Returns one entry as LDIF text without a version line.
Result<std::string> to_ldif(const Entry& entry, std::size_t fold_column = 76);

}  // namespace careid::directory::ldif
