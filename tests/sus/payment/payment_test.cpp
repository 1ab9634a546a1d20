#include "sus/payment/payment.h"

#include <catch2/catch.hpp>

namespace careid::sus::payment {
namespace {

using spells::PatientClassification;
using spells::Spell;
using tariff::HrgPrice;

constexpr std::int64_t kUnitMff = 1'000'000'000;

tariff::TariffYear make_tariff() {
  tariff::TariffYear year("2015/16");

  HrgPrice pneumonia;  // non-elective with a short-stay emergency price
  pneumonia.hrg_code = "DZ11N";
  pneumonia.non_elective = 184000;
  pneumonia.non_elective_trim_days = 9;
  pneumonia.per_day_long_stay = 23000;
  pneumonia.short_stay_emergency_applies = true;
  pneumonia.short_stay_emergency_percent = 39;
  pneumonia.short_stay_emergency = 71800;
  year.put(pneumonia);

  HrgPrice hip;  // separate day case and ordinary elective prices
  hip.hrg_code = "HN12C";
  hip.day_case = 105000;
  hip.ordinary_elective = 561400;
  hip.elective_trim_days = 9;
  hip.non_elective = 610200;
  hip.non_elective_trim_days = 15;
  hip.per_day_long_stay = 22600;
  year.put(hip);

  HrgPrice cataract;  // combined day case / ordinary elective price only
  cataract.hrg_code = "BZ24C";
  cataract.combined_elective = 88900;
  cataract.elective_trim_days = 4;
  cataract.per_day_long_stay = 26200;
  year.put(cataract);

  HrgPrice no_per_day;  // a trim point without a per-day payment (the import rejects this)
  no_per_day.hrg_code = "EB10Z";
  no_per_day.non_elective = 159800;
  no_per_day.non_elective_trim_days = 7;
  year.put(no_per_day);
  return year;
}

tariff::MffTable make_mff(std::int64_t billionths = kUnitMff) {
  tariff::MffTable table;
  table.year = "2015/16";
  table.by_provider["RGR"] = tariff::MffFactor{billionths};
  return table;
}

Spell make_spell(std::string method, PatientClassification classification, std::int32_t length_of_stay,
                 std::int32_t age, std::string hrg) {
  Spell spell;
  spell.spell_number = "S1";
  spell.provider = "RGR";
  spell.commissioner = "06T";
  spell.admission_method = std::move(method);
  spell.classification = classification;
  spell.start_date = 16587;  // 2015-06-01
  spell.discharge_date = spell.start_date + length_of_stay;
  spell.age_on_admission = age;
  spell.hrg_code = std::move(hrg);
  return spell;
}

Payment price(const Spell& spell, std::int64_t mff = kUnitMff) {
  auto payment = price_spell(spell, make_tariff(), make_mff(mff));
  INFO((payment.ok() ? std::string() : payment.status().message()));
  REQUIRE(payment.ok());
  return *payment;
}

Status price_error(const Spell& spell) {
  auto payment = price_spell(spell, make_tariff(), make_mff());
  REQUIRE_FALSE(payment.ok());
  return payment.status();
}

constexpr auto kOrdinary = PatientClassification::kOrdinaryAdmission;
constexpr auto kDayCase = PatientClassification::kDayCase;

TEST_CASE("Non-elective within trim point", "[sus][payment]") {
  for (int days : {2, 9}) {
    const Payment payment = price(make_spell("21", kOrdinary, days, 70, "DZ11N"));
    CHECK(payment.basis == PriceBasis::kNonElective);
    CHECK(payment.base == 184000);
    CHECK(payment.excess_days == 0);
    CHECK(payment.long_stay == 0);
    CHECK(payment.total == 184000);
  }
}

TEST_CASE("Non-elective beyond trim point", "[sus][payment]") {
  const Payment payment = price(make_spell("21", kOrdinary, 12, 80, "DZ11N"));
  CHECK(payment.basis == PriceBasis::kNonElective);
  CHECK(payment.trim_days == 9);
  CHECK(payment.excess_days == 3);
  CHECK(payment.per_day == 23000);
  CHECK(payment.long_stay == 69000);
  CHECK(payment.subtotal == 253000);
  CHECK(payment.total == 253000);
}

TEST_CASE("Elective beyond elective trim point", "[sus][payment]") {
  const Payment payment = price(make_spell("11", kOrdinary, 15, 66, "HN12C"));
  CHECK(payment.basis == PriceBasis::kOrdinaryElective);
  CHECK(payment.base == 561400);
  CHECK(payment.trim_days == 9);
  CHECK(payment.excess_days == 6);
  CHECK(payment.long_stay == 6 * 22600);
  CHECK(payment.total == 561400 + 6 * 22600);
}

TEST_CASE("Non-elective uses its own trim point", "[sus][payment]") {
  const Payment within = price(make_spell("22", kOrdinary, 15, 66, "HN12C"));
  CHECK(within.base == 610200);
  CHECK(within.excess_days == 0);
  const Payment beyond = price(make_spell("81", kOrdinary, 16, 66, "HN12C"));
  CHECK(beyond.excess_days == 1);
}

TEST_CASE("Day case price and overnight stay", "[sus][payment]") {
  const Payment day_case = price(make_spell("11", kDayCase, 0, 60, "HN12C"));
  CHECK(day_case.basis == PriceBasis::kDayCase);
  CHECK(day_case.base == 105000);

  const Payment overnight = price(make_spell("11", kDayCase, 1, 60, "HN12C"));
  CHECK(overnight.basis == PriceBasis::kOrdinaryElective);
  CHECK(overnight.base == 561400);
}

TEST_CASE("Combined elective price as fallback", "[sus][payment]") {
  const Payment day_case = price(make_spell("11", kDayCase, 0, 60, "BZ24C"));
  CHECK(day_case.basis == PriceBasis::kDayCase);
  CHECK(day_case.base == 88900);
  const Payment elective = price(make_spell("12", kOrdinary, 6, 60, "BZ24C"));
  CHECK(elective.basis == PriceBasis::kOrdinaryElective);
  CHECK(elective.base == 88900);
  CHECK(elective.excess_days == 2);
  CHECK(elective.total == 88900 + 2 * 26200);
}

TEST_CASE("Short-stay emergency for 0 and 1 days", "[sus][payment]") {
  for (int days : {0, 1}) {
    INFO(days);
    const Payment payment = price(make_spell("21", kOrdinary, days, 45, "DZ11N"));
    CHECK(payment.basis == PriceBasis::kShortStayEmergency);
    CHECK(payment.base == 71800);
    CHECK(payment.total == 71800);
  }
  CHECK(price(make_spell("2A", kOrdinary, 1, 45, "DZ11N")).basis == PriceBasis::kShortStayEmergency);
  CHECK(price(make_spell("21", kOrdinary, 2, 45, "DZ11N")).basis == PriceBasis::kNonElective);
}

TEST_CASE("Short-stay emergency age rule", "[sus][payment]") {
  CHECK(price(make_spell("21", kOrdinary, 0, 18, "DZ11N")).basis == PriceBasis::kNonElective);
  CHECK(price(make_spell("21", kOrdinary, 0, 0, "DZ11N")).basis == PriceBasis::kNonElective);
  CHECK(price(make_spell("21", kOrdinary, 0, kShortStayEmergencyMinAge, "DZ11N")).basis ==
        PriceBasis::kShortStayEmergency);
}

TEST_CASE("Short-stay emergency needs flag and method", "[sus][payment]") {
  // HN12C is not flagged; a maternity or transfer admission is non-elective but not emergency.
  CHECK(price(make_spell("21", kOrdinary, 0, 45, "HN12C")).basis == PriceBasis::kNonElective);
  CHECK(price(make_spell("31", kOrdinary, 0, 45, "DZ11N")).basis == PriceBasis::kNonElective);
  CHECK(price(make_spell("81", kOrdinary, 1, 45, "DZ11N")).basis == PriceBasis::kNonElective);
}

TEST_CASE("MFF scales the whole subtotal", "[sus][payment]") {
  const Payment payment = price(make_spell("21", kOrdinary, 12, 80, "DZ11N"), 1'043'771'894);
  CHECK(payment.subtotal == 253000);
  // 2530.00 * 1.043771894 = 2640.742891..., rounded to 2640.74.
  CHECK(payment.total == 264074);
  CHECK(payment.mff_adjustment == 11074);
  CHECK(payment.mff == tariff::MffFactor{1'043'771'894});
}

TEST_CASE("Missing prices reported", "[sus][payment]") {
  Status no_day_case = price_error(make_spell("11", kDayCase, 0, 40, "DZ11N"));
  CHECK(no_day_case.code() == StatusCode::kFailedPrecondition);
  CHECK(no_day_case.message() ==
        "spell RGR/S1: HRG DZ11N has no day case or combined day case / ordinary elective price in the tariff");

  Status no_non_elective = price_error(make_spell("21", kOrdinary, 3, 40, "BZ24C"));
  CHECK(no_non_elective.message() == "spell RGR/S1: HRG BZ24C has no non-elective price in the tariff");

  Status no_per_day = price_error(make_spell("21", kOrdinary, 8, 40, "EB10Z"));
  CHECK(no_per_day.message() == "spell RGR/S1: HRG EB10Z has no per-day long stay payment in the tariff");
}

TEST_CASE("Unknown HRG and provider reported", "[sus][payment]") {
  Status unknown_hrg = price_error(make_spell("21", kOrdinary, 3, 40, "XX99Z"));
  CHECK(unknown_hrg.code() == StatusCode::kNotFound);
  CHECK(unknown_hrg.message() == "spell RGR/S1: HRG XX99Z is not in the 2015/16 tariff");

  Spell elsewhere = make_spell("21", kOrdinary, 3, 40, "DZ11N");
  elsewhere.provider = "RTH";
  auto payment = price_spell(elsewhere, make_tariff(), make_mff());
  REQUIRE_FALSE(payment.ok());
  CHECK(payment.status().message() == "spell RTH/S1: provider RTH has no market forces factor for 2015/16");
}

TEST_CASE("Regular attenders have no price", "[sus][payment]") {
  Status status = price_error(make_spell("11", PatientClassification::kRegularDayAdmission, 0, 40, "HN12C"));
  CHECK(status.code() == StatusCode::kFailedPrecondition);
  CHECK(status.message().find("patient classification 3") != std::string::npos);
}

TEST_CASE("Payment explanation lists components", "[sus][payment]") {
  const Spell spell = make_spell("21", kOrdinary, 12, 80, "DZ11N");
  const auto lines = explain(spell, price(spell, 1'043'771'894));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "non-elective price for DZ11N: 1840.00");
  CHECK(lines[1] == "3 days beyond the trim point of 9 days at 230.00 a day: 690.00");
  CHECK(lines[2] == "market forces factor 1.043771894 for RGR: +110.74");
  CHECK(lines[3] == "total: 2640.74");
}

}  // namespace
}  // namespace careid::sus::payment
