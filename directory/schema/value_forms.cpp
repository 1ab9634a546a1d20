#include "directory/schema/value_forms.h"

#include <cstdint>
#include <cstdio>

#include "directory/dn/utf8.h"

namespace careid::directory::schema {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Days since 1970-01-01 of a proleptic Gregorian date, by the standard era arithmetic:
// a 400-year era has 146097 days, and counting years from March puts the leap day last.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

class TimeReader {
 public:
  explicit TimeReader(std::string_view text) : text_(text) {}

  bool has_digits(std::size_t count) const {
    if (text_.size() - pos_ < count) {
      return false;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (!is_digit(text_[pos_ + i])) {
        return false;
      }
    }
    return true;
  }

  unsigned take_digits(std::size_t count) {
    unsigned value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      value = value * 10 + static_cast<unsigned>(text_[pos_++] - '0');
    }
    return value;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip() { ++pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Status time_error(std::string_view text, const std::string& problem) {
  return Status::invalid_argument("not a valid Generalized Time '" + std::string(text) +
                                  "': " + problem);
}

}  // namespace

bool is_numeric_oid(std::string_view text) {
  int arcs = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
    }
    if (i == start || (i - start > 1 && text[start] == '0')) {
      return false;
    }
    ++arcs;
    if (i == text.size()) {
      return arcs >= 2;
    }
    if (text[i] != '.') {
      return false;
    }
    ++i;
  }
}

bool is_descriptor(std::string_view text) {
  if (text.empty() || !is_alpha(text[0])) {
    return false;
  }
  for (char c : text) {
    if (!is_alpha(c) && !is_digit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

Status check_integer(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '-') {
    digits.remove_prefix(1);
  }
  if (digits.empty()) {
    return Status::invalid_argument("not a valid Integer '" + std::string(text) + "': no digits");
  }
  for (char c : digits) {
    if (!is_digit(c)) {
      return Status::invalid_argument("not a valid Integer '" + std::string(text) +
                                      "': only digits and a leading '-' are allowed");
    }
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return Status::invalid_argument("not a valid Integer '" + std::string(text) +
                                    "': leading zero");
  }
  if (digits == "0" && digits.size() != text.size()) {
    return Status::invalid_argument("not a valid Integer '-0': write 0");
  }
  return Status::ok_status();
}

Result<std::string> normalise_generalized_time(std::string_view text) {
  TimeReader reader(text);

  // century year month day hour, then optional minute and second (RFC 4517 3.3.13).
  if (!reader.has_digits(10)) {
    return time_error(text, "expected YYYYMMDDHH");
  }
  const std::int64_t year = reader.take_digits(4);
  const unsigned month = reader.take_digits(2);
  const unsigned day = reader.take_digits(2);
  const unsigned hour = reader.take_digits(2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23) {
    return time_error(text, "date or hour out of range");
  }
  unsigned minute = 0;
  unsigned second = 0;
  std::int64_t unit = 3600;  // a fraction applies to the last field given
  if (reader.has_digits(2)) {
    minute = reader.take_digits(2);
    unit = 60;
    if (reader.has_digits(2)) {
      second = reader.take_digits(2);
      unit = 1;
    }
  }
  if (minute > 59 || second > 60) {
    return time_error(text, "minute or second out of range");
  }

  __int128 fraction_nanos = 0;
  if (reader.peek() == '.' || reader.peek() == ',') {
    reader.skip();
    if (!reader.has_digits(1)) {
      return time_error(text, "expected digits after the decimal mark");
    }
    __int128 numerator = 0;
    __int128 denominator = 1;
    while (reader.has_digits(1)) {
      const unsigned digit = reader.take_digits(1);
      if (denominator < static_cast<__int128>(1000000000000000000LL)) {
        numerator = numerator * 10 + digit;
        denominator *= 10;
      }
    }
    fraction_nanos = numerator * unit * 1000000000 / denominator;
  }

  // g-time-zone: "Z" or a differential "+hh[mm]" / "-hh[mm]" from UTC.
  std::int64_t offset_seconds = 0;
  if (reader.peek() == 'Z') {
    reader.skip();
  } else if (reader.peek() == '+' || reader.peek() == '-') {
    const int sign = reader.peek() == '+' ? 1 : -1;
    reader.skip();
    if (!reader.has_digits(2)) {
      return time_error(text, "expected hours in the time zone");
    }
    const unsigned offset_hours = reader.take_digits(2);
    unsigned offset_minutes = 0;
    if (reader.has_digits(2)) {
      offset_minutes = reader.take_digits(2);
    }
    if (offset_hours > 23 || offset_minutes > 59) {
      return time_error(text, "time zone out of range");
    }
    offset_seconds = sign * static_cast<std::int64_t>(offset_hours * 3600 + offset_minutes * 60);
  } else {
    return time_error(text, "missing time zone: end with 'Z' or '+hhmm'");
  }
  if (!reader.at_end()) {
    return time_error(text, "unexpected text after the time zone");
  }

  std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                         second - offset_seconds;
  seconds += static_cast<std::int64_t>(fraction_nanos / 1000000000);
  const auto nanos = static_cast<long>(fraction_nanos % 1000000000);

  std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const std::int64_t second_of_day = seconds - days * 86400;
  std::int64_t out_year = 0;
  unsigned out_month = 0;
  unsigned out_day = 0;
  civil_from_days(days, out_year, out_month, out_day);
  if (out_year < 0 || out_year > 9999) {
    return time_error(text, "year out of range after converting to UTC");
  }

  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld%02u%02u%02lld%02lld%02lld.%09ldZ",
                static_cast<long long>(out_year), out_month, out_day,
                static_cast<long long>(second_of_day / 3600),
                static_cast<long long>(second_of_day / 60 % 60),
                static_cast<long long>(second_of_day % 60), nanos);
  return std::string(buffer);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_hex(text[i])) {
      return false;
    }
  }
  return true;
}

Result<std::vector<std::string>> split_postal_address(std::string_view text) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '$') {
      lines.emplace_back();
      continue;
    }
    if (c == '\\') {
      const std::string_view code = text.substr(i + 1, 2);
      if (code == "24") {
        lines.back().push_back('$');
      } else if (code == "5C" || code == "5c") {
        lines.back().push_back('\\');
      } else {
        return Status::invalid_argument(
            "not a valid Postal Address: '\\' must start \\24 ('$') or \\5C ('\\')");
      }
      i += 2;
      continue;
    }
    lines.back().push_back(c);
  }

  for (const std::string& line : lines) {
    if (line.empty()) {
      return Status::invalid_argument("not a valid Postal Address: empty line");
    }
    if (!dn::is_valid_utf8(line)) {
      return Status::invalid_argument("not a valid Postal Address: invalid UTF-8");
    }
  }
  return lines;
}

bool is_printable_character(char c) {
  if (is_alpha(c) || is_digit(c)) {
    return true;
  }
  switch (c) {
    case '\'':
    case '(':
    case ')':
    case '+':
    case ',':
    case '-':
    case '.':
    case '=':
    case '/':
    case ':':
    case '?':
    case ' ':
      return true;
    default:
      return false;
  }
}

}  // namespace careid::directory::schema
