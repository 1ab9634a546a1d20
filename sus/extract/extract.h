// Batch pricing of stored spells and payment extracts per provider or commissioner.
//
// A spell belongs to a period by its discharge date. Every selected spell is priced with the
// tariff and market forces factors of the financial year the caller names, also when it
// started in the year before. A spell that cannot be priced is counted and listed as
// unpriced with its reason, never dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sus/payment/payment.h"
#include "sus/spells/spell.h"
#include "sus/storage/store.h"

namespace careid::sus::extract {

struct SpellFilter {
  spells::Date from = 0;  // first discharge date, inclusive
  spells::Date to = 0;    // last discharge date, inclusive
  std::string provider;      // empty: every provider
  std::string commissioner;  // empty: every commissioner

  bool matches(const spells::Spell& spell) const;
};

// Returns the filter for a whole financial year "2015/16": 1 April 2015 to 31 March 2016.
// Returns kInvalidArgument for a malformed year.
Result<SpellFilter> financial_year_period(std::string_view year);

struct PricingSummary {
  std::size_t spells = 0;  // spells that matched the filter
  std::size_t priced = 0;
  std::size_t unpriced = 0;
  payment::Pence total = 0;  // sum of the priced spells' totals
  // The reasons of the first kMaxReasons unpriced spells.
  std::vector<std::string> unpriced_reasons;
  static constexpr std::size_t kMaxReasons = 10;
};

using PricedSpellSink = std::function<void(const spells::Spell&, const Result<payment::Payment>&)>;

// Prices every stored spell that `filter` matches with the tariff and MFF of `year`, calling
// `sink` (when set) for each. Returns kNotFound when the store has no tariff or no MFF for
// `year`, and any storage error.
Result<PricingSummary> price_stored_spells(const storage::SusStore& store, std::string_view year,
                                           const SpellFilter& filter, const PricedSpellSink& sink = {});

// The header line of an extract.
std::string extract_header();

// Appends one CSV line for a spell and its payment (or the reason it is unpriced). Money is
// in pounds with two decimal places.
void append_extract_row(std::string& out, const spells::Spell& spell, const Result<payment::Payment>& payment);

// Writes the payment extract of the spells `filter` matches to `out`: the header, then one
// row per spell in store order (provider, then spell number).
Result<PricingSummary> write_extract(const storage::SusStore& store, std::string_view year, const SpellFilter& filter,
                                     std::ostream& out);

}  // namespace careid::sus::extract
