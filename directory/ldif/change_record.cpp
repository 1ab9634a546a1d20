// Change records (RFC 2849 "ldif-change-record"): add, delete, modify and modrdn/moddn.
#include <utility>

#include "directory/ldif/parser.h"

namespace careid::directory::ldif::detail {

namespace {

bool keyword_is(std::string_view text, std::string_view keyword) {
  return equals_ignore_case(text, keyword);
}

Status parse_add(const std::vector<LogicalLine>& lines, std::size_t first, ChangeRecord& record) {
  AttributeCollector collector;
  for (std::size_t i = first; i < lines.size(); ++i) {
    auto value = parse_attribute_value(lines[i]);
    if (!value.ok()) {
      return value.status();
    }
    collector.add(value->description, std::move(value->value));
  }
  record.attributes = collector.take();
  if (record.attributes.empty()) {
    return line_error(lines[first - 1], "add record for '" + record.dn + "' has no attributes");
  }
  return Status::ok_status();
}

std::optional<ModificationType> modification_type(std::string_view keyword) {
  if (keyword_is(keyword, "add")) {
    return ModificationType::kAdd;
  }
  if (keyword_is(keyword, "delete")) {
    return ModificationType::kDelete;
  }
  if (keyword_is(keyword, "replace")) {
    return ModificationType::kReplace;
  }
  if (keyword_is(keyword, "increment")) {
    return ModificationType::kIncrement;
  }
  return std::nullopt;
}

// Parses one mod-spec starting at lines[i] and leaves `i` after its "-" line, or at the end
// of the record when the final "-" is missing.
Status parse_modification(const std::vector<LogicalLine>& lines, std::size_t& i,
                          Modification& modification) {
  auto header = parse_attribute_value(lines[i]);
  if (!header.ok()) {
    return header.status();
  }
  auto type = modification_type(header->description);
  if (!type) {
    return line_error(lines[i], "expected 'add:', 'delete:', 'replace:' or 'increment:', found '" +
                                    header->description + ":'");
  }
  if (!is_attribute_description(header->value)) {
    return line_error(lines[i], "invalid attribute description '" + header->value + "'");
  }
  modification.type = *type;
  modification.attribute.description = header->value;
  const std::size_t header_index = i;

  for (++i; i < lines.size() && lines[i].text != "-"; ++i) {
    auto value = parse_attribute_value(lines[i]);
    if (!value.ok()) {
      return value.status();
    }
    if (!keyword_is(value->description, modification.attribute.description)) {
      return line_error(lines[i], "value for '" + value->description + "' inside the block for '" +
                                      modification.attribute.description +
                                      "'; end the block with '-'");
    }
    modification.attribute.values.push_back(std::move(value->value));
  }
  if (i < lines.size()) {
    ++i;  // the "-" line
  }

  // RFC 4525 3: an increment carries exactly one value.
  if (*type == ModificationType::kIncrement && modification.attribute.values.size() != 1) {
    return line_error(lines[header_index], "increment of '" + modification.attribute.description +
                                               "' needs exactly one value");
  }
  if (*type == ModificationType::kAdd && modification.attribute.values.empty()) {
    return line_error(lines[header_index],
                      "add of '" + modification.attribute.description + "' has no values");
  }
  return Status::ok_status();
}

Status parse_modify(const std::vector<LogicalLine>& lines, std::size_t first,
                    ChangeRecord& record) {
  std::size_t i = first;
  while (i < lines.size()) {
    if (lines[i].text == "-") {
      return line_error(lines[i], "'-' without a preceding add:, delete: or replace: line");
    }
    Modification modification;
    CAREID_RETURN_IF_ERROR(parse_modification(lines, i, modification));
    record.modifications.push_back(std::move(modification));
  }
  return Status::ok_status();
}

// Reads lines[i] as `keyword: value` and advances `i`.
Result<std::string> expect_keyword(const std::vector<LogicalLine>& lines, std::size_t& i,
                                   std::string_view keyword) {
  if (i >= lines.size()) {
    return line_error(lines.back(), "missing '" + std::string(keyword) + ":' line");
  }
  auto line = parse_attribute_value(lines[i]);
  if (!line.ok()) {
    return line.status();
  }
  if (!keyword_is(line->description, keyword)) {
    return line_error(
        lines[i], "expected '" + std::string(keyword) + ":', found '" + line->description + ":'");
  }
  ++i;
  return std::move(line->value);
}

Status parse_moddn(const std::vector<LogicalLine>& lines, std::size_t first, ChangeRecord& record) {
  std::size_t i = first;
  auto new_rdn = expect_keyword(lines, i, "newrdn");
  if (!new_rdn.ok()) {
    return new_rdn.status();
  }
  record.new_rdn = std::move(*new_rdn);

  auto delete_old = expect_keyword(lines, i, "deleteoldrdn");
  if (!delete_old.ok()) {
    return delete_old.status();
  }
  if (*delete_old != "0" && *delete_old != "1") {
    return line_error(lines[i - 1], "deleteoldrdn must be 0 or 1, found '" + *delete_old + "'");
  }
  record.delete_old_rdn = *delete_old == "1";

  if (i < lines.size()) {
    auto new_superior = expect_keyword(lines, i, "newsuperior");
    if (!new_superior.ok()) {
      return new_superior.status();
    }
    record.new_superior = std::move(*new_superior);
  }
  if (i < lines.size()) {
    return line_error(lines[i], "unexpected line after a modrdn change");
  }
  return Status::ok_status();
}

}  // namespace

Result<Record> parse_change_record(const std::vector<LogicalLine>& lines, std::size_t first,
                                   ChangeRecord record) {
  auto changetype = parse_attribute_value(lines[first]);
  if (!changetype.ok()) {
    return changetype.status();
  }
  const std::string& type = changetype->value;
  const std::size_t body = first + 1;

  Status status;
  if (keyword_is(type, "add")) {
    record.type = ChangeType::kAdd;
    status = parse_add(lines, body, record);
  } else if (keyword_is(type, "delete")) {
    record.type = ChangeType::kDelete;
    if (body < lines.size()) {
      status = line_error(lines[body], "unexpected line after 'changetype: delete'");
    }
  } else if (keyword_is(type, "modify")) {
    record.type = ChangeType::kModify;
    status = parse_modify(lines, body, record);
  } else if (keyword_is(type, "modrdn") || keyword_is(type, "moddn")) {
    record.type = ChangeType::kModDn;
    status = parse_moddn(lines, body, record);
  } else {
    status = line_error(lines[first], "unknown changetype '" + type +
                                          "'; expected add, delete, modify, modrdn or moddn");
  }

  if (!status.ok()) {
    return status;
  }
  return Record(std::move(record));
}

}  // namespace careid::directory::ldif::detail
