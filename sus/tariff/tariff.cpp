#include "sus/tariff/tariff.h"

namespace careid::sus::tariff {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

bool is_financial_year(std::string_view year) {
  if (year.size() != 7 || year[4] != '/') {
    return false;
  }
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!is_digit(year[i])) {
      return false;
    }
  }
  const int first = std::stoi(std::string(year.substr(0, 4)));
  const int second = std::stoi(std::string(year.substr(5, 2)));
  return (first + 1) % 100 == second;
}

bool is_hrg_code(std::string_view code) {
  return code.size() == 5 && is_upper(code[0]) && is_upper(code[1]) && is_digit(code[2]) &&
         is_digit(code[3]) && is_upper(code[4]);
}

void TariffYear::put(HrgPrice price) {
  std::string key = price.hrg_code;
  prices_.insert_or_assign(std::move(key), std::move(price));
}

const HrgPrice* TariffYear::find(std::string_view hrg_code) const {
  auto it = prices_.find(std::string(hrg_code));
  return it == prices_.end() ? nullptr : &it->second;
}

}  // namespace careid::sus::tariff
