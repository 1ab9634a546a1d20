#include "sus/tariff/money.h"

#include <cstdlib>

namespace careid::sus::tariff {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses the integer part of a pound amount, allowing "1,234,567" grouping only in threes.
std::optional<std::int64_t> parse_whole_pounds(std::string_view digits) {
  if (digits.empty()) {
    return std::nullopt;
  }
  const bool grouped = digits.find(',') != std::string_view::npos;
  std::int64_t value = 0;
  std::size_t since_comma = 0;
  bool seen_comma = false;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c == ',') {
      if (i == 0 || (seen_comma && since_comma != 3) || (!seen_comma && since_comma > 3)) {
        return std::nullopt;
      }
      seen_comma = true;
      since_comma = 0;
      continue;
    }
    if (!is_digit(c)) {
      return std::nullopt;
    }
    ++since_comma;
    value = value * 10 + (c - '0');
    if (value > kMaxPence / 100) {
      return std::nullopt;
    }
  }
  if (grouped && since_comma != 3) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<Pence> parse_pounds(std::string_view text) {
  constexpr std::string_view kPoundSign = "\xC2\xA3";  // UTF-8 for £
  if (text.substr(0, kPoundSign.size()) == kPoundSign) {
    text.remove_prefix(kPoundSign.size());
  }

  const std::size_t dot = text.find('.');
  auto pounds = parse_whole_pounds(text.substr(0, dot));
  if (!pounds) {
    return std::nullopt;
  }
  Pence pence = *pounds * 100;
  if (dot == std::string_view::npos) {
    return pence;
  }

  const std::string_view fraction = text.substr(dot + 1);
  if (fraction.empty() || fraction.size() > 2 || !is_digit(fraction[0]) ||
      (fraction.size() == 2 && !is_digit(fraction[1]))) {
    return std::nullopt;
  }
  pence += (fraction[0] - '0') * 10;
  if (fraction.size() == 2) {
    pence += fraction[1] - '0';
  }
  if (pence > kMaxPence) {
    return std::nullopt;
  }
  return pence;
}

std::string format_pounds(Pence amount) {
  const bool negative = amount < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(amount) : amount;
  std::string pennies = std::to_string(magnitude % 100);
  if (pennies.size() == 1) {
    pennies.insert(0, "0");
  }
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + pennies;
}

std::optional<MffFactor> parse_mff(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 2 || fraction.size() > 9 ||
      (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }

  std::int64_t value = 0;
  for (char c : whole) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  std::int64_t scale = 100'000'000;
  value *= 1'000'000'000;
  for (char c : fraction) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value += (c - '0') * scale;
    scale /= 10;
  }

  if (value <= 0 || value > kMaxMffBillionths) {
    return std::nullopt;
  }
  return MffFactor{value};
}

std::string format_mff(MffFactor factor) {
  std::string fraction = std::to_string(factor.billionths % 1'000'000'000);
  fraction.insert(0, 9 - fraction.size(), '0');
  return std::to_string(factor.billionths / 1'000'000'000) + "." + fraction;
}

Pence apply_mff(Pence amount, MffFactor factor) {
  // kMaxPence * kMaxMffBillionths is about 1e20, beyond int64, so multiply in 128 bits.
  const __int128 product = static_cast<__int128>(amount) * factor.billionths;
  const __int128 half = 500'000'000;
  const __int128 rounded = product >= 0 ? (product + half) / 1'000'000'000 : (product - half) / 1'000'000'000;
  return static_cast<Pence>(rounded);
}

}  // namespace careid::sus::tariff
