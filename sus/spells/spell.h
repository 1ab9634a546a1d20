// An admitted patient care spell as the Commissioning Data Set (CDS) describes it, with the
// fields that payment calculation needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace careid::sus::spells {

// A calendar date as days since 1970-01-01 (the proleptic Gregorian calendar).
using Date = std::int32_t;

// Parses a CDS date "CCYY-MM-DD" for years 1900-2199. Returns nullopt for anything else,
// including 2015-02-29.
std::optional<Date> parse_date(std::string_view text);

// Formats a date as "CCYY-MM-DD".
std::string format_date(Date date);

// ADMISSION METHOD (HOSPITAL PROVIDER SPELL) groups. The national tariff pays elective
// spells at the day case or ordinary elective price and every other method at the
// non-elective price.
enum class AdmissionGroup { kElective, kEmergency, kMaternity, kOther };

// Returns the group of a CDS admission method code: 11-13 elective; 21-25, 28 and 2A-2D
// emergency; 31-32 maternity; 81-83 other. Returns nullopt for any other code.
std::optional<AdmissionGroup> admission_group(std::string_view method);

// PATIENT CLASSIFICATION codes in CDS.
enum class PatientClassification : std::uint8_t {
  kOrdinaryAdmission = 1,
  kDayCase = 2,
  kRegularDayAdmission = 3,
  kRegularNightAdmission = 4,
  kMotherAndBaby = 5,
};

struct Spell {
  std::string spell_number;      // HOSPITAL PROVIDER SPELL NUMBER, unique per provider
  std::string provider;          // ORGANISATION CODE (CODE OF PROVIDER)
  std::string commissioner;      // ORGANISATION CODE (CODE OF COMMISSIONER)
  std::string admission_method;  // ADMISSION METHOD (HOSPITAL PROVIDER SPELL), e.g. "21"
  PatientClassification classification = PatientClassification::kOrdinaryAdmission;
  Date start_date = 0;      // START DATE (HOSPITAL PROVIDER SPELL)
  Date discharge_date = 0;  // DISCHARGE DATE (HOSPITAL PROVIDER SPELL)
  std::int32_t age_on_admission = 0;  // whole years on the start date
  std::string hrg_code;     // the spell's HRG from the HRG4 grouper

  // Length of stay in days: discharge date minus start date, so a same-day spell is 0.
  std::int32_t length_of_stay() const { return discharge_date - start_date; }

  friend bool operator==(const Spell&, const Spell&) = default;
};

}  // namespace careid::sus::spells
