// Import of a tariff year from the admitted patient care table of the national tariff price
// workbook, exported as CSV, and of market forces factors per provider.
//
// Tariff columns are found by their workbook headings, compared after
// csv::normalise_header, so that column order, case and stray underscores do not matter and
// columns the import does not use (such as the outpatient procedure price) are ignored:
//
//   HRG code | HRG name | Combined day case / ordinary elective spell tariff (£) |
//   Day case spell tariff (£) | Ordinary elective spell tariff (£) |
//   Ordinary elective long stay trim point (days) | Non-elective spell tariff (£) |
//   Non-elective long stay trim point (days) |
//   Per day long stay payment (for days exceeding trim point) (£) |
//   Reduced short stay emergency tariff _applicable? |
//   % applied in calculation of reduced short stay emergency tariff |
//   Reduced short stay emergency tariff (£)
//
// "-" in a price, trim point or percentage cell means none. An empty cell is an error, so
// that a shifted column is caught rather than read as "no price".
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "sus/tariff/money.h"
#include "sus/tariff/tariff.h"

namespace careid::sus::tariff {

// A rejected cell or row. Line and column are 1-based; column 0 means the whole row.
struct RowError {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string column_name;
  std::string message;

  // "line 7, column 4 (Day case spell tariff (£)): invalid price 'abc'".
  std::string to_string() const;
};

// At most this many errors are kept; the count of all of them is in error_count.
inline constexpr std::size_t kMaxReportedErrors = 50;

struct TariffImport {
  TariffYear tariff;
  std::vector<RowError> errors;
  std::size_t error_count = 0;
};

// Parses the CSV text of one tariff year. Every row is checked; the caller must store
// nothing when error_count is non-zero. A missing column, a duplicate HRG code, an invalid
// value, a flagged short-stay emergency HRG without its price, or a trim point without a
// per-day price is an error.
TariffImport parse_tariff_csv(std::string_view text, std::string year);

// Market forces factors of one financial year, by provider organisation code.
struct MffTable {
  std::string year;
  std::unordered_map<std::string, MffFactor> by_provider;

  // Returns the provider's factor, or nullptr when there is none.
  const MffFactor* find(std::string_view provider) const;
};

struct MffImport {
  MffTable table;
  std::vector<RowError> errors;
  std::size_t error_count = 0;
};

// Parses a CSV with a header line that names the provider column "Org.Code" (the DH
// reference cost schedule's name) or "Provider code", and the factor column "MFF". Other
// columns are ignored. A provider code must be 3 to 5 letters and digits and may appear once.
MffImport parse_mff_csv(std::string_view text, std::string year);

// Returns kInvalidArgument listing the first errors and their total, naming `path`, or OK
// when `errors` is empty.
Status import_errors_status(const std::filesystem::path& path, const std::vector<RowError>& errors,
                            std::size_t error_count);

}  // namespace careid::sus::tariff
