// Money and market forces factors as integers, so that totals never go through binary
// floating point.
//
// Pence: an amount of money in whole pence (int64). Tariff prices are published in pounds,
// mostly whole pounds, so parse_pounds accepts at most two decimal places.
// MffFactor: a market forces factor in billionths (1.051320001 is 1'051'320'001), the
// precision of the published MFF values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace careid::sus::tariff {

using Pence = std::int64_t;

// Largest amount parse_pounds accepts: £100 million, far above any spell price, so that
// applying a factor below kMaxMffBillionths cannot overflow int64 arithmetic.
inline constexpr Pence kMaxPence = Pence{100'000'000} * 100;

// Parses "1234", "1,234", "1234.5", "1234.56" or "£1,234" into pence. Returns nullopt for
// anything else: a sign, more than two decimal places, misplaced thousands separators,
// or more than kMaxPence.
std::optional<Pence> parse_pounds(std::string_view text);

// Formats pence as pounds with two decimal places: 123456 -> "1234.56", -5 -> "-0.05".
std::string format_pounds(Pence amount);

struct MffFactor {
  std::int64_t billionths = 1'000'000'000;
  friend bool operator==(const MffFactor&, const MffFactor&) = default;
};

// Published factors lie between 1.0 and 1.3; values outside (0, 10] are rejected as typos.
inline constexpr std::int64_t kMaxMffBillionths = std::int64_t{10} * 1'000'000'000;

// Parses a decimal such as "1.051320001" or "1" with at most nine decimal places. Returns
// nullopt for a sign, an exponent, more places, zero or more than 10.
std::optional<MffFactor> parse_mff(std::string_view text);

// Formats a factor with nine decimal places: "1.051320001".
std::string format_mff(MffFactor factor);

// Returns amount * factor rounded to the nearest penny, halves away from zero.
Pence apply_mff(Pence amount, MffFactor factor);

}  // namespace careid::sus::tariff
