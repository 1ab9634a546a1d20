// Entry: one directory object as the directory layers pass it around.
//
// Attribute descriptions are stored as the schema names them (the first NAME of the
// attribute type, e.g. "cn" for "commonName"), followed by any options as given
// ("userCertificate;binary", "description;lang-en"). Values are raw bytes: binary
// values travel unchanged. Lookups by name compare case-insensitively, which is the
// rule for attribute descriptions (RFC 4512 2.5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace careid::directory {

struct Attribute {
  std::string description;  // type plus options, e.g. "cn" or "userCertificate;binary"
  std::vector<std::string> values;
};

struct Entry {
  std::string dn;  // as the client wrote it; storage also keeps a normalised form
  std::vector<Attribute> attributes;

  // Returns the attribute whose description equals `description` ignoring case, or null.
  const Attribute* find(std::string_view description) const;
  Attribute* find(std::string_view description);

  // Returns the first value of `description`, or an empty view when there is none.
  std::string_view first_value(std::string_view description) const;

  // Appends `value` to `description`, creating the attribute when needed. Does not
  // check for duplicates; the schema layer does.
  void add_value(std::string_view description, std::string value);
};

// ASCII case-insensitive comparison, for attribute descriptions and keywords.
bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace careid::directory
