// Writer: appends BER elements to an owned std::string, always with minimal definite lengths
// and minimal INTEGER encodings (so the output is also valid DER for these types).
//
// Constructed elements are written with begin_constructed() / end_constructed(): the
// length is back-patched when the element ends, so callers never compute lengths.
// Calls must nest properly; finish() asserts that every begin has its end.
// Not thread-safe; one Writer per message being encoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "directory/ber/tag.h"

namespace careid::directory::ber {

class Writer {
 public:
  void write_integer(std::int64_t value, const Tag& tag = kIntegerTag);
  void write_enumerated(std::int64_t value, const Tag& tag = kEnumeratedTag);
  void write_boolean(bool value, const Tag& tag = kBooleanTag);  // TRUE as 0xFF (RFC 4511 5.1)
  void write_octet_string(std::string_view value, const Tag& tag = kOctetStringTag);
  void write_null(const Tag& tag = kNullTag);

  // Appends already-encoded element bytes unchanged.
  void write_raw(std::string_view encoded);

  // Starts a constructed element; `tag.constructed` is forced on.
  void begin_constructed(const Tag& tag = kSequenceTag);

  // Ends the innermost open constructed element and writes its length.
  void end_constructed();

  // Makes room for `bytes` in all, so that a writer whose output size is known roughly
  // grows its buffer once.
  void reserve(std::size_t bytes) { buffer_.reserve(bytes); }

  // Depth of open constructed elements.
  std::size_t open_elements() const { return open_.size(); }

  // Read-only view of the bytes so far (incomplete while elements are open).
  const std::string& buffer() const { return buffer_; }

  // Returns the encoded bytes and leaves the writer empty. Requires open_elements() == 0.
  std::string finish();

 private:
  void write_tag(const Tag& tag);
  void write_primitive(const Tag& tag, std::string_view content);

  std::string buffer_;
  std::vector<std::size_t> open_;  // offset of each open element's length placeholder
};

// Appends the minimal definite length encoding of `length` to `out` (X.690 10.1).
void append_length(std::string& out, std::size_t length);

}  // namespace careid::directory::ber
