#include "sus/payment/payment.h"

#include <optional>

namespace careid::sus::payment {
namespace {

using spells::AdmissionGroup;
using spells::PatientClassification;
using spells::Spell;
using tariff::HrgPrice;

std::string spell_label(const Spell& spell) { return "spell " + spell.provider + "/" + spell.spell_number; }

Status no_price(const Spell& spell, std::string_view what) {
  return Status::failed_precondition(spell_label(spell) + ": HRG " + spell.hrg_code + " has no " + std::string(what) +
                                     " in the tariff");
}

// Rule 1: the basis from admission method, classification and length of stay.
Result<PriceBasis> choose_basis(const Spell& spell) {
  auto group = spells::admission_group(spell.admission_method);
  if (!group) {
    return Status::invalid_argument(spell_label(spell) + ": invalid admission method '" + spell.admission_method + "'");
  }
  if (*group != AdmissionGroup::kElective) {
    return PriceBasis::kNonElective;
  }
  switch (spell.classification) {
    case PatientClassification::kDayCase:
      // A day case who stays overnight is an ordinary admission (CDS PATIENT CLASSIFICATION).
      return spell.length_of_stay() == 0 ? PriceBasis::kDayCase : PriceBasis::kOrdinaryElective;
    case PatientClassification::kOrdinaryAdmission:
      return PriceBasis::kOrdinaryElective;
    default:
      // NOTE: regular day and night admissions are often paid at a locally agreed price;
      // they are reported as unpriced rather than given a guessed national price.
      return Status::failed_precondition(spell_label(spell) + ": patient classification " +
                                         std::to_string(static_cast<int>(spell.classification)) +
                                         " (regular day or night admission, or mother and baby) has no national spell price");
  }
}

// Rule 3: the reduced short stay emergency price replaces the non-elective price.
bool takes_short_stay_emergency(const Spell& spell, const HrgPrice& price) {
  return price.short_stay_emergency_applies && price.short_stay_emergency.has_value() &&
         spells::admission_group(spell.admission_method) == AdmissionGroup::kEmergency && spell.length_of_stay() <= 1 &&
         spell.age_on_admission >= kShortStayEmergencyMinAge;
}

// Rules 1 to 3: the base price and its trim point.
Status set_base(const Spell& spell, const HrgPrice& price, Payment& payment, std::optional<std::int32_t>& trim) {
  switch (payment.basis) {
    case PriceBasis::kDayCase:
      if (!price.day_case && !price.combined_elective) {
        return no_price(spell, "day case or combined day case / ordinary elective price");
      }
      payment.base = price.day_case ? *price.day_case : *price.combined_elective;
      return Status::ok_status();
    case PriceBasis::kOrdinaryElective:
      if (!price.ordinary_elective && !price.combined_elective) {
        return no_price(spell, "ordinary elective or combined day case / ordinary elective price");
      }
      payment.base = price.ordinary_elective ? *price.ordinary_elective : *price.combined_elective;
      trim = price.elective_trim_days;
      return Status::ok_status();
    default:
      if (takes_short_stay_emergency(spell, price)) {
        payment.basis = PriceBasis::kShortStayEmergency;
        payment.base = *price.short_stay_emergency;
        return Status::ok_status();
      }
      if (!price.non_elective) {
        return no_price(spell, "non-elective price");
      }
      payment.base = *price.non_elective;
      trim = price.non_elective_trim_days;
      return Status::ok_status();
  }
}

}  // namespace

std::string_view price_basis_name(PriceBasis basis) {
  switch (basis) {
    case PriceBasis::kDayCase:
      return "day case";
    case PriceBasis::kOrdinaryElective:
      return "ordinary elective";
    case PriceBasis::kNonElective:
      return "non-elective";
    case PriceBasis::kShortStayEmergency:
      return "reduced short stay emergency";
  }
  return "unknown";
}

Result<Payment> price_spell(const Spell& spell, const tariff::TariffYear& tariff, const tariff::MffTable& mff) {
  const HrgPrice* price = tariff.find(spell.hrg_code);
  if (price == nullptr) {
    return Status::not_found(spell_label(spell) + ": HRG " + spell.hrg_code + " is not in the " + tariff.year() +
                             " tariff");
  }
  const MffFactor* factor = mff.find(spell.provider);
  if (factor == nullptr) {
    return Status::not_found(spell_label(spell) + ": provider " + spell.provider + " has no market forces factor for " +
                             mff.year);
  }

  auto basis = choose_basis(spell);
  if (!basis.ok()) {
    return basis.status();
  }
  Payment payment;
  payment.basis = *basis;
  std::optional<std::int32_t> trim;
  CAREID_RETURN_IF_ERROR(set_base(spell, *price, payment, trim));

  // Rule 4: per-day payments beyond the trim point.
  if (trim && spell.length_of_stay() > *trim) {
    if (!price->per_day_long_stay) {
      return no_price(spell, "per-day long stay payment");
    }
    payment.trim_days = *trim;
    payment.excess_days = spell.length_of_stay() - *trim;
    payment.per_day = *price->per_day_long_stay;
    payment.long_stay = payment.per_day * payment.excess_days;
  }

  // Rule 5: the market forces factor scales the whole subtotal.
  payment.subtotal = payment.base + payment.long_stay;
  payment.mff = *factor;
  payment.mff_adjustment = tariff::apply_mff(payment.subtotal, *factor) - payment.subtotal;
  payment.total = payment.subtotal + payment.mff_adjustment;
  return payment;
}

std::vector<std::string> explain(const Spell& spell, const Payment& payment) {
  using tariff::format_pounds;
  std::vector<std::string> lines;
  lines.push_back(std::string(price_basis_name(payment.basis)) + " price for " + spell.hrg_code + ": " +
                  format_pounds(payment.base));
  if (payment.excess_days > 0) {
    lines.push_back(std::to_string(payment.excess_days) + " days beyond the trim point of " +
                    std::to_string(payment.trim_days) + " days at " + format_pounds(payment.per_day) +
                    " a day: " + format_pounds(payment.long_stay));
  }
  const std::string sign = payment.mff_adjustment >= 0 ? "+" : "";
  lines.push_back("market forces factor " + tariff::format_mff(payment.mff) + " for " + spell.provider + ": " + sign +
                  format_pounds(payment.mff_adjustment));
  lines.push_back("total: " + format_pounds(payment.total));
  return lines;
}

}  // namespace careid::sus::payment
