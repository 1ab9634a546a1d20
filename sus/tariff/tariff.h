// The national tariff catalogue: admitted patient care prices per HRG for one financial
// year, as the national tariff price workbook publishes them.
//
// A price that the workbook shows as "-" is std::nullopt here: that HRG has no national
// price for that kind of spell, and payment calculation reports it instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sus/tariff/money.h"

namespace careid::sus::tariff {

// One row of the admitted patient care table.
struct HrgPrice {
  std::string hrg_code;  // e.g. "FZ24E"
  std::string hrg_name;

  // Day case and ordinary elective spells. The combined price applies to both when the
  // workbook gives no separate day case or ordinary elective price.
  std::optional<Pence> combined_elective;
  std::optional<Pence> day_case;
  std::optional<Pence> ordinary_elective;
  std::optional<std::int32_t> elective_trim_days;

  std::optional<Pence> non_elective;
  std::optional<std::int32_t> non_elective_trim_days;

  // Paid for each day of a spell beyond the trim point of its kind (elective or non-elective).
  std::optional<Pence> per_day_long_stay;

  // Reduced short-stay emergency price: whether it applies to this HRG, the percentage of
  // the non-elective price it was derived from (for the record only), and the price itself.
  bool short_stay_emergency_applies = false;
  std::optional<std::int32_t> short_stay_emergency_percent;
  std::optional<Pence> short_stay_emergency;

  friend bool operator==(const HrgPrice&, const HrgPrice&) = default;
};

// Returns true for a financial year written "2015/16": four digits, a slash and the last two
// digits of the next year.
bool is_financial_year(std::string_view year);

// Returns true for an HRG4 code: two letters, two digits and a letter ("AA22C").
bool is_hrg_code(std::string_view code);

// All prices of one financial year, found by HRG code.
class TariffYear {
 public:
  TariffYear() = default;
  explicit TariffYear(std::string year) : year_(std::move(year)) {}

  const std::string& year() const { return year_; }
  std::size_t size() const { return prices_.size(); }

  // Adds or replaces the price of price.hrg_code.
  void put(HrgPrice price);

  // Returns the price of `hrg_code`, or nullptr when the year has none. The pointer is
  // valid until the next put().
  const HrgPrice* find(std::string_view hrg_code) const;

  const std::unordered_map<std::string, HrgPrice>& prices() const { return prices_; }

 private:
  std::string year_;
  std::unordered_map<std::string, HrgPrice> prices_;
};

}  // namespace careid::sus::tariff
