// Internal to directory/ldif: parsing of logical lines into records.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "directory/ldif/reader.h"
#include "directory/ldif/record.h"

namespace careid::directory::ldif::detail {

// One "description: value" line with its value decoded.
struct AttributeValue {
  std::string description;
  std::string value;
};

Status line_error(const LogicalLine& line, std::string_view what);

// True when `description` is an RFC 4512 attribute description: a descriptor or numeric
// OID followed by ";"-separated options of letters, digits and hyphens.
bool is_attribute_description(std::string_view description);

// True for a dotted-decimal OID such as "1.2.840.113556.1.4.319".
bool is_numeric_oid(std::string_view text);

// Splits and decodes `line` ("cn: x", "cn:: eA==", "cn:"). "cn:< url" is kUnimplemented.
Result<AttributeValue> parse_attribute_value(const LogicalLine& line);

// Parses a change record. lines[first] is its changetype line, which follows the dn line
// and any control lines already parsed into `record`.
Result<Record> parse_change_record(const std::vector<LogicalLine>& lines, std::size_t first,
                                   ChangeRecord record);

// Groups values by attribute description, ignoring case and keeping the first spelling
// and the order of first appearance. A hash map keeps a record of many distinct
// attributes linear rather than quadratic.
class AttributeCollector {
 public:
  void add(const std::string& description, std::string value);
  std::vector<Attribute> take() { return std::move(attributes_); }

 private:
  std::vector<Attribute> attributes_;
  std::unordered_map<std::string, std::size_t> positions_;
};

}  // namespace careid::directory::ldif::detail
