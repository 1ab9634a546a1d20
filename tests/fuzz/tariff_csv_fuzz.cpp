// Fuzzes the SUS tariff imports: each input is read both as a tariff year CSV
// (parse_tariff_csv) and as a market forces factor CSV (parse_mff_csv), and the error
// report of each is formatted.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sus/tariff/tariff_csv.h"

namespace tariff = careid::sus::tariff;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  tariff::TariffImport tariff_import = tariff::parse_tariff_csv(text, "2015/16");
  (void)tariff::import_errors_status("fuzz.csv", tariff_import.errors, tariff_import.error_count);

  tariff::MffImport mff_import = tariff::parse_mff_csv(text, "2015/16");
  (void)tariff::import_errors_status("fuzz.csv", mff_import.errors, mff_import.error_count);
  return 0;
}
