// Payment calculation for one admitted patient care spell against the national tariff.
//
// The rules, in order (sus/README.md works through examples):
//  1. The price basis follows the admission method and patient classification. Elective
//     day cases (classification 2) with a length of stay of 0 take the day case price.
//     Other elective spells with classification 1 or 2 take the ordinary elective price.
//     Every non-elective method takes the non-elective price. Regular day and night
//     admissions (3 and 4) and mother-and-baby spells (5) have no national spell price.
//  2. The day case and ordinary elective prices fall back to the combined day case /
//     ordinary elective price where the workbook gives none.
//  3. An emergency spell of 0 or 1 days whose HRG is flagged for the reduced short stay
//     emergency tariff takes that price instead, when the patient was 19 or over on
//     admission (see kShortStayEmergencyMinAge).
//  4. Each day beyond the trim point of the basis (elective or non-elective) adds the
//     per-day long stay payment. Day cases and reduced short stay spells have no excess.
//  5. The subtotal is multiplied by the provider's market forces factor, rounded to the
//     nearest penny.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sus/spells/spell.h"
#include "sus/tariff/money.h"
#include "sus/tariff/tariff.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::payment {

using tariff::MffFactor;
using tariff::Pence;

enum class PriceBasis { kDayCase, kOrdinaryElective, kNonElective, kShortStayEmergency };

// "day case", "ordinary elective", "non-elective", "reduced short stay emergency".
std::string_view price_basis_name(PriceBasis basis);

// The reduced short stay emergency price is not applied to children: patients under 19 on
// the start date keep the full non-elective price.
// NOTE: this limit is fixed in code and not read from the tariff file. Check it against the
// payment guidance of the year being priced.
inline constexpr std::int32_t kShortStayEmergencyMinAge = 19;

// The components of a payment, where total = base + long_stay + mff_adjustment.
struct Payment {
  PriceBasis basis = PriceBasis::kNonElective;
  Pence base = 0;  // the spell price of the basis, after the fallbacks of rule 2

  std::int32_t trim_days = 0;    // trim point of the basis, when excess_days > 0
  std::int32_t excess_days = 0;  // days beyond the trim point
  Pence per_day = 0;             // per-day long stay payment, when excess_days > 0
  Pence long_stay = 0;           // excess_days * per_day

  Pence subtotal = 0;  // base + long_stay
  MffFactor mff;
  Pence mff_adjustment = 0;  // subtotal * mff - subtotal, rounded to the penny
  Pence total = 0;
};

// Prices `spell` with the core spell payment.
// TODO: best practice tariffs, specialised service top-ups, unbundled HRGs and the marginal
// rate emergency rule are not applied, so totals are the core spell payment only.
// Errors, each naming the spell and the missing thing:
//   kNotFound: the HRG is not in the tariff year, or the provider has no MFF.
//   kFailedPrecondition: the HRG has no price for the spell's basis ("-" in the workbook),
//     a trim point applies but there is no per-day payment, or the classification has no
//     national price.
//   kInvalidArgument: the admission method is not a CDS code.
Result<Payment> price_spell(const spells::Spell& spell, const tariff::TariffYear& tariff,
                            const tariff::MffTable& mff);

// Explains a payment as lines such as
//   "non-elective price for FZ24E: 2345.00"
//   "3 days beyond the trim point of 5 days at 250.00 a day: 750.00"
//   "market forces factor 1.051320001 for RGR: +158.81"
//   "total: 3253.81"
std::vector<std::string> explain(const spells::Spell& spell, const Payment& payment);

}  // namespace careid::sus::payment
