#include "sus/spells/spell.h"

#include <chrono>
#include <cstdio>

namespace careid::sus::spells {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digits_value(std::string_view text) {
  int value = 0;
  for (char c : text) {
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(text[i])) {
      return std::nullopt;
    }
  }
  const int year = digits_value(text.substr(0, 4));
  if (year < 1900 || year > 2199) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(digits_value(text.substr(5, 2)))},
                                         std::chrono::day{static_cast<unsigned>(digits_value(text.substr(8, 2)))}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return static_cast<Date>(std::chrono::sys_days{date}.time_since_epoch().count());
}

std::string format_date(Date date) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{date}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::optional<AdmissionGroup> admission_group(std::string_view method) {
  if (method.size() != 2) {
    return std::nullopt;
  }
  const char first = method[0];
  const char second = method[1];
  if (first == '1' && second >= '1' && second <= '3') {
    return AdmissionGroup::kElective;
  }
  if (first == '2' && ((second >= '1' && second <= '5') || second == '8' || (second >= 'A' && second <= 'D'))) {
    return AdmissionGroup::kEmergency;
  }
  if (first == '3' && (second == '1' || second == '2')) {
    return AdmissionGroup::kMaternity;
  }
  if (first == '8' && second >= '1' && second <= '3') {
    return AdmissionGroup::kOther;
  }
  return std::nullopt;
}

}  // namespace careid::sus::spells
