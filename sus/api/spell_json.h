// JSON forms of spells, payments and tariff prices for the SUS API.
//
// A spell is an object with the members below. Each is a string, or an integer for the
// numeric ones, and is named after the Commissioning Data Set data element beside it.
//   spell_number            HOSPITAL PROVIDER SPELL NUMBER
//   provider                ORGANISATION CODE (CODE OF PROVIDER)
//   commissioner            ORGANISATION CODE (CODE OF COMMISSIONER)
//   admission_method        ADMISSION METHOD (HOSPITAL PROVIDER SPELL)
//   patient_classification  PATIENT CLASSIFICATION
//   start_date              START DATE (HOSPITAL PROVIDER SPELL), "CCYY-MM-DD"
//   discharge_date          DISCHARGE DATE (HOSPITAL PROVIDER SPELL), "CCYY-MM-DD"
//   age_on_admission        AGE ON ADMISSION
//   hrg_code                HEALTHCARE RESOURCE GROUP CODE
// Money is a string of pounds with two decimal places ("1840.00") and a market forces
// factor a string with nine ("1.043771894"), so that no amount goes through a binary float.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sus/payment/payment.h"
#include "sus/spells/spell.h"
#include "sus/spells/spell_csv.h"
#include "sus/tariff/tariff.h"

namespace careid::sus::api {

using Json = nlohmann::json;

Json spell_to_json(const spells::Spell& spell);

// The payment's components, its explanation lines (payment::explain) and "priced": true;
// or "priced": false with the reason.
Json payment_to_json(const spells::Spell& spell, const Result<payment::Payment>& payment);

Json hrg_price_to_json(const tariff::HrgPrice& price);

// JSON spells converted to the CDS CSV layout, so that spells::ingest_spells checks them
// exactly as it checks a CSV file.
struct CsvBatch {
  std::string csv;  // a header line and one line per spell that passed the JSON checks
  // For each CSV data line, the index of its element in the JSON array.
  std::vector<std::size_t> element_of_line;
  // Elements rejected before the CSV checks; their `line` is the element's index.
  std::vector<spells::Rejection> rejected;
};

// Converts an array of spell objects. An element that is not an object, lacks a member,
// has an unknown member, or has a value that is not a string or integer (or contains a
// control character) is rejected with that reason. Returns kInvalidArgument when `spells`
// is not an array.
Result<CsvBatch> json_spells_to_csv(const Json& spells);

}  // namespace careid::sus::api
