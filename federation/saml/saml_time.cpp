#include "federation/saml/saml_time.h"

#include <cstdio>

namespace careid::federation::saml {
namespace {

// Reads `count` digits at text[pos] into `value`.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_instant(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto seconds = floor<std::chrono::seconds>(time);
  auto days = floor<std::chrono::days>(seconds);
  year_month_day date(days);
  hh_mm_ss clock(seconds - days);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  return buffer;
}

std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view text) {
  using namespace std::chrono;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool shape = text.size() >= 19 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
               text[13] == ':' && text[16] == ':';
  if (!shape || !read_digits(text, 0, 4, year) || !read_digits(text, 5, 2, month) ||
      !read_digits(text, 8, 2, day) || !read_digits(text, 11, 2, hour) ||
      !read_digits(text, 14, 2, minute) || !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }

  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits_start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
    if (pos == digits_start) {
      return std::nullopt;
    }
  }
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }

  year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                      std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  return sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
}

}  // namespace careid::federation::saml
