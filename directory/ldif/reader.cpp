// Line assembly (RFC 2849 folding and comments), attribute-value lines and content records.
#include "directory/ldif/reader.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "directory/ldif/base64.h"
#include "directory/ldif/parser.h"

namespace careid::directory::ldif {

namespace detail {

Status line_error(const LogicalLine& line, std::string_view what) {
  return Status::invalid_argument("line " + std::to_string(line.number) + ": " + std::string(what));
}

namespace {

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

}  // namespace

bool is_numeric_oid(std::string_view text) {
  bool digit_seen = false;
  for (char c : text) {
    if (c == '.') {
      if (!digit_seen) {
        return false;
      }
      digit_seen = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digit_seen = true;
    } else {
      return false;
    }
  }
  return digit_seen;
}

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool is_attribute_description(std::string_view description) {
  std::size_t semicolon = description.find(';');
  std::string_view type = description.substr(0, semicolon);
  bool descriptor = !type.empty() && std::isalpha(static_cast<unsigned char>(type.front())) &&
                    std::all_of(type.begin(), type.end(), is_key_char);
  if (!descriptor && !is_numeric_oid(type)) {
    return false;
  }

  while (semicolon != std::string_view::npos) {
    description.remove_prefix(semicolon + 1);
    semicolon = description.find(';');
    std::string_view option = description.substr(0, semicolon);
    if (option.empty() || !std::all_of(option.begin(), option.end(), is_key_char)) {
      return false;
    }
  }
  return true;
}

Result<AttributeValue> parse_attribute_value(const LogicalLine& line) {
  std::string_view text = line.text;
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return line_error(line, "expected 'attribute: value', found no ':'");
  }
  AttributeValue result;
  result.description = std::string(text.substr(0, colon));
  if (!is_attribute_description(result.description)) {
    return line_error(line, "invalid attribute description '" + result.description + "'");
  }

  std::string_view rest = text.substr(colon + 1);
  char kind = rest.empty() ? ' ' : rest.front();
  if (kind == ':' || kind == '<') {
    rest.remove_prefix(1);
  }
  // FILL: any number of spaces after the separator (RFC 2849).
  rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));

  if (kind == '<') {
    return Status::unimplemented("line " + std::to_string(line.number) + ": URL value of '" +
                                 result.description +
                                 "' is not supported; put the value inline or in base64");
  }
  if (kind == ':') {
    // Trailing spaces are tolerated because editors sometimes leave them.
    rest = rest.substr(0, rest.find_last_not_of(' ') + 1);
    auto decoded = base64_decode(rest);
    if (!decoded) {
      return line_error(line, "invalid base64 in value of '" + result.description + "'");
    }
    result.value = std::move(*decoded);
    return result;
  }

  // SAFE-STRING (RFC 2849) excludes NUL, CR and LF. LF cannot occur inside a line.
  if (rest.find('\0') != std::string_view::npos || rest.find('\r') != std::string_view::npos) {
    return line_error(line, "value of '" + result.description +
                                "' contains NUL or CR; such values must be base64-encoded");
  }
  result.value = std::string(rest);
  return result;
}

void AttributeCollector::add(const std::string& description, std::string value) {
  auto [it, inserted] = positions_.try_emplace(lower(description), attributes_.size());
  if (inserted) {
    attributes_.push_back(Attribute{description, {}});
  }
  attributes_[it->second].values.push_back(std::move(value));
}

}  // namespace detail

namespace {

bool keyword_is(std::string_view description, std::string_view keyword) {
  return equals_ignore_case(description, keyword);
}

Result<Record> parse_content_record(const std::vector<LogicalLine>& lines, std::string dn) {
  Entry entry;
  entry.dn = std::move(dn);
  detail::AttributeCollector collector;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto value = detail::parse_attribute_value(lines[i]);
    if (!value.ok()) {
      return value.status();
    }
    if (keyword_is(value->description, "changetype") || keyword_is(value->description, "control")) {
      return detail::line_error(
          lines[i], "'" + value->description + "' must come straight after the dn line");
    }
    collector.add(value->description, std::move(value->value));
  }
  entry.attributes = collector.take();
  if (entry.attributes.empty()) {
    return detail::line_error(lines.front(), "entry '" + entry.dn + "' has no attributes");
  }
  return Record(std::move(entry));
}

Result<Control> parse_control(const LogicalLine& line, std::string_view text) {
  // control: oid [SPACE ("true" / "false")] [value-spec] (RFC 2849)
  Control control;
  std::size_t end = std::min(text.find_first_of(" :"), text.size());
  control.oid = std::string(text.substr(0, end));
  if (!detail::is_numeric_oid(control.oid)) {
    return detail::line_error(line, "invalid control OID '" + control.oid + "'");
  }
  text.remove_prefix(end);
  text.remove_prefix(std::min(text.find_first_not_of(' '), text.size()));

  if (text.starts_with("true") || text.starts_with("false")) {
    control.critical = text.starts_with("true");
    text.remove_prefix(control.critical ? 4 : 5);
    text.remove_prefix(std::min(text.find_first_not_of(' '), text.size()));
  }
  if (text.empty()) {
    return control;
  }
  if (text.front() != ':') {
    return detail::line_error(line, "unexpected text '" + std::string(text) + "' in control line");
  }

  auto value =
      detail::parse_attribute_value(LogicalLine{"control" + std::string(text), line.number});
  if (!value.ok()) {
    return value.status();
  }
  control.value = std::move(value->value);
  return control;
}

Result<Record> parse_record(const std::vector<LogicalLine>& lines) {
  auto dn = detail::parse_attribute_value(lines.front());
  if (!dn.ok()) {
    return dn.status();
  }
  if (!keyword_is(dn->description, "dn")) {
    return detail::line_error(lines.front(),
                              "a record must start with 'dn:', found '" + dn->description + ":'");
  }

  ChangeRecord change;
  change.dn = dn->value;
  std::size_t i = 1;
  for (; i < lines.size(); ++i) {
    auto line = detail::parse_attribute_value(lines[i]);
    if (!line.ok() || !keyword_is(line->description, "control")) {
      break;
    }
    auto control = parse_control(lines[i], line->value);
    if (!control.ok()) {
      return control.status();
    }
    change.controls.push_back(std::move(*control));
  }

  bool has_changetype = false;
  if (i < lines.size()) {
    auto line = detail::parse_attribute_value(lines[i]);
    has_changetype = line.ok() && keyword_is(line->description, "changetype");
  }
  if (has_changetype) {
    return detail::parse_change_record(lines, i, std::move(change));
  }
  if (!change.controls.empty()) {
    return detail::line_error(lines[i - 1], "control lines are allowed only in change records");
  }
  return parse_content_record(lines, std::move(dn->value));
}

}  // namespace

Reader::Reader(std::istream& input, ReaderLimits limits) : input_(input), limits_(limits) {}

bool Reader::fill_block() {
  if (block_position_ < block_.size()) {
    return true;
  }
  block_.resize(kBlockBytes);
  const std::streamsize got = input_.rdbuf()->sgetn(block_.data(), kBlockBytes);
  block_.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  block_position_ = 0;
  return !block_.empty();
}

bool Reader::read_physical_line(std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  if (!fill_block()) {
    return false;
  }

  // Past the limit the rest of the line is consumed and dropped, so memory stays bounded.
  do {
    const char* begin = block_.data() + block_position_;
    const std::size_t available = block_.size() - block_position_;
    const char* newline = static_cast<const char*>(std::memchr(begin, '\n', available));
    const std::size_t length = newline != nullptr ? static_cast<std::size_t>(newline - begin) : available;
    const std::size_t room = limits_.max_line_bytes + 1 - line.size();
    if (length > room) {
      too_long = true;
    }
    line.append(begin, std::min(length, room));
    block_position_ += length;
    if (newline != nullptr) {
      ++block_position_;
      break;
    }
  } while (fill_block());

  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  ++line_number_;
  return true;
}

Status Reader::read_record_lines(std::vector<LogicalLine>& lines) {
  lines.clear();
  Status failure;
  std::size_t record_bytes = 0;
  bool in_comment = false;
  std::string physical;
  bool too_long = false;

  while (read_physical_line(physical, too_long)) {
    if (physical.empty()) {
      if (!lines.empty() || !failure.ok()) {
        break;  // a blank line ends the record
      }
      in_comment = false;
      continue;
    }
    if (!failure.ok()) {
      continue;  // skipping the rest of a bad record
    }

    LogicalLine current{"", line_number_};
    if (physical.front() == ' ') {
      if (in_comment) {
        continue;
      }
      if (lines.empty()) {
        failure = detail::line_error(current, "continuation line without a line to continue");
        continue;
      }
      lines.back().text.append(physical, 1);
    } else if (physical.front() == '#') {
      in_comment = true;
      continue;
    } else {
      in_comment = false;
      lines.push_back({std::move(physical), line_number_});
      physical.clear();
    }

    record_bytes += lines.back().text.size();
    if (too_long || lines.back().text.size() > limits_.max_line_bytes) {
      failure = Status::resource_exhausted("line " + std::to_string(lines.back().number) +
                                           ": line longer than max_line_bytes (" +
                                           std::to_string(limits_.max_line_bytes) + ")");
    } else if (record_bytes > limits_.max_record_bytes) {
      failure = Status::resource_exhausted("line " + std::to_string(lines.back().number) +
                                           ": record longer than max_record_bytes (" +
                                           std::to_string(limits_.max_record_bytes) + ")");
    } else if (lines.size() > limits_.max_record_lines) {
      failure = Status::resource_exhausted("line " + std::to_string(lines.back().number) +
                                           ": record has more than max_record_lines (" +
                                           std::to_string(limits_.max_record_lines) + ") lines");
    }
  }

  if (!failure.ok()) {
    lines.clear();
  }
  return failure;
}

Status Reader::take_version_line(std::vector<LogicalLine>& lines) {
  at_start_ = false;
  auto first = detail::parse_attribute_value(lines.front());
  if (!first.ok() || !equals_ignore_case(first->description, "version")) {
    return Status::ok_status();
  }
  if (first->value != "1") {
    return detail::line_error(lines.front(), "unsupported LDIF version '" + first->value +
                                                 "'; RFC 2849 defines only version 1");
  }
  version_ = 1;
  lines.erase(lines.begin());
  return Status::ok_status();
}

Result<std::optional<std::vector<LogicalLine>>> Reader::next_lines() {
  std::vector<LogicalLine> lines;
  while (true) {
    CAREID_RETURN_IF_ERROR(read_record_lines(lines));
    if (lines.empty()) {
      return std::optional<std::vector<LogicalLine>>();
    }
    if (at_start_) {
      CAREID_RETURN_IF_ERROR(take_version_line(lines));
      if (lines.empty()) {
        continue;  // "version: 1" followed by a blank line
      }
    }
    return std::optional<std::vector<LogicalLine>>(std::move(lines));
  }
}

Result<std::optional<Record>> Reader::next() {
  auto lines = next_lines();
  if (!lines.ok()) {
    return lines.status();
  }
  if (!lines->has_value()) {
    return std::optional<Record>();
  }

  auto record = parse_record(**lines);
  if (!record.ok()) {
    return record.status();
  }
  return std::optional<Record>(std::move(*record));
}

Result<Record> parse_record_lines(const std::vector<LogicalLine>& lines) { return parse_record(lines); }

}  // namespace careid::directory::ldif
