// Ingest of admitted patient care spells from a CSV whose header uses the Commissioning
// Data Set data element names below. Headings are compared after csv::normalise_header and
// may come in any order. Other columns are ignored.
//
//   HOSPITAL PROVIDER SPELL NUMBER, ORGANISATION CODE (CODE OF PROVIDER),
//   ORGANISATION CODE (CODE OF COMMISSIONER), ADMISSION METHOD (HOSPITAL PROVIDER SPELL),
//   PATIENT CLASSIFICATION, START DATE (HOSPITAL PROVIDER SPELL),
//   DISCHARGE DATE (HOSPITAL PROVIDER SPELL), AGE ON ADMISSION,
//   HEALTHCARE RESOURCE GROUP CODE
//
// Length of stay is derived from the two dates.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sus/spells/spell.h"

namespace careid::sus::spells {

// A row that was not accepted, with the first reason found.
struct Rejection {
  std::size_t line = 0;      // 1-based line on which the row starts
  std::string spell_number;  // as written, possibly empty
  std::string reason;        // "invalid DISCHARGE DATE (HOSPITAL PROVIDER SPELL) '2015-13-01'; ..."
};

struct IngestSummary {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};

// Calls `on_spell` for each valid row and `on_reject` for each invalid one, in file order.
// A row is invalid when a field is empty or malformed, the discharge date is before the
// start date, the age is over 130, or it repeats the provider and spell number of an
// earlier row. Returns kInvalidArgument when the header lacks a column, and the first
// non-OK Status that `on_spell` returns, stopping there.
Result<IngestSummary> ingest_spells(std::string_view text, const std::function<Status(const Spell&)>& on_spell,
                                    const std::function<void(const Rejection&)>& on_reject);

}  // namespace careid::sus::spells
