// Reader: a strict, bounds-checked BER decoder over borrowed bytes.
//
// Only the definite length form is accepted (RFC 4511 5.1). Every read checks that the
// element lies inside the reader's input, so a truncated or hostile PDU yields an error
// Status (code kInvalidArgument) and never an out-of-bounds read or an exception. On
// error the reader's position is unspecified, so callers stop using it.
//
// Lifetime: a Reader and every string_view it returns point into the input passed to
// the constructor. The caller keeps that buffer alive and unchanged while using them.
// A Reader is a small value; copying it is cheap and copies only the position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "directory/ber/header.h"
#include "directory/ber/tag.h"

namespace careid::directory::ber {

// One element: its tag and its content octets (the V of TLV).
struct Element {
  Tag tag;
  std::string_view content;
};

class Reader {
 public:
  explicit Reader(std::string_view input) : input_(input) {}

  bool at_end() const { return offset_ == input_.size(); }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return input_.size() - offset_; }

  // Returns the tag of the next element without consuming it.
  Result<Tag> peek_tag() const;

  // Returns true when the next element has tag `tag`; false at the end or on a bad header.
  bool next_is(const Tag& tag) const;

  // Reads the next element of any tag. Fails on a bad header or when the declared content
  // length exceeds the remaining input.
  Result<Element> read_element();

  // Reads the next element and fails unless its tag is `expected`.
  Result<Element> read_element(const Tag& expected);

  // Skips the next element whole.
  Status skip_element();

  // INTEGER (X.690 8.3): two's complement, 1 to 8 content octets. Empty content and more
  // than 8 octets are rejected. Non-minimal encodings (a redundant leading 0x00 or 0xFF)
  // are accepted, as BER readers commonly do, and counted in non_minimal_integers().
  Result<std::int64_t> read_integer(const Tag& tag = kIntegerTag);

  // ENUMERATED: encoded like INTEGER (X.690 8.4).
  Result<std::int64_t> read_enumerated(const Tag& tag = kEnumeratedTag);

  // BOOLEAN (X.690 8.2): exactly one content octet; any non-zero value is TRUE.
  Result<bool> read_boolean(const Tag& tag = kBooleanTag);

  // OCTET STRING in the primitive form only; RFC 4511 5.1 forbids the constructed form.
  Result<std::string_view> read_octet_string(const Tag& tag = kOctetStringTag);

  // NULL (X.690 8.8): no content octets.
  Status read_null(const Tag& tag = kNullTag);

  // Enters a constructed element (SEQUENCE, SET or a constructed context tag) and returns a
  // Reader over its content. The tag must have the constructed bit set.
  Result<Reader> read_constructed(const Tag& tag = kSequenceTag);

  // Fails unless every input octet has been consumed; used after the last expected field.
  // `element_name` names the element in the error, e.g. "SearchRequest".
  Status expect_end(std::string_view element_name) const;

  // Number of INTEGER or ENUMERATED values read so far (by this reader, not its children)
  // whose encoding was longer than needed.
  std::size_t non_minimal_integers() const { return non_minimal_integers_; }

 private:
  Result<std::int64_t> read_signed(const Tag& tag, std::string_view type_name);

  std::string_view input_;
  std::size_t offset_ = 0;
  std::size_t non_minimal_integers_ = 0;
};

}  // namespace careid::directory::ber
