#include <algorithm>
#include <cctype>
#include <cstdint>

#include "sus/csv/csv.h"
#include "sus/tariff/tariff_csv.h"

namespace careid::sus::tariff {
namespace {

// ODS organisation codes of NHS trusts have three characters ("RGR") and their site codes
// five, so a provider code is accepted at 3 to 5 characters.
bool is_provider_code(std::string_view code) {
  if (code.size() < 3 || code.size() > 5) {
    return false;
  }
  for (char c : code) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

MffImport parse_mff_csv(std::string_view text, std::string year) {
  MffImport result;
  result.table.year = std::move(year);
  auto add_error = [&](std::size_t line, std::size_t column, std::string name, std::string message) {
    ++result.error_count;
    if (result.errors.size() < kMaxReportedErrors) {
      result.errors.push_back({line, column, std::move(name), std::move(message)});
    }
  };

  csv::Cursor cursor(text);
  std::vector<std::string_view> fields;
  auto header = cursor.next(fields);
  if (!header.ok() || !*header) {
    add_error(1, 0, "", header.ok() ? "empty file; expected a header line" : header.status().message());
    return result;
  }
  std::size_t provider_column = SIZE_MAX;
  std::size_t mff_column = SIZE_MAX;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string heading = csv::normalise_header(csv::trim(fields[i]));
    if (heading == "org.code" || heading == "provider code") {
      provider_column = i;
    } else if (heading == "mff") {
      mff_column = i;
    }
  }
  if (provider_column == SIZE_MAX || mff_column == SIZE_MAX) {
    add_error(1, 0, provider_column == SIZE_MAX ? "Org.Code" : "MFF", "missing column");
    return result;
  }

  while (true) {
    auto more = cursor.next(fields);
    if (!more.ok()) {
      add_error(cursor.record_line(), 0, "", more.status().message());
      continue;
    }
    if (!*more) {
      break;
    }
    const std::size_t line = cursor.record_line();
    if (fields.size() == 1 && csv::trim(fields[0]).empty()) {
      continue;
    }
    if (fields.size() <= std::max(provider_column, mff_column)) {
      add_error(line, 0, "", "row has " + std::to_string(fields.size()) + " columns, fewer than the header");
      continue;
    }

    const std::string provider(csv::trim(fields[provider_column]));
    const std::string_view mff_text = csv::trim(fields[mff_column]);
    auto factor = parse_mff(mff_text);
    if (!is_provider_code(provider)) {
      add_error(line, provider_column + 1, "Org.Code",
                "invalid provider code '" + provider + "'; expected 3 to 5 capital letters and digits");
    } else if (result.table.by_provider.count(provider) != 0) {
      add_error(line, provider_column + 1, "Org.Code", "duplicate provider code '" + provider + "'");
    }
    if (!factor) {
      add_error(line, mff_column + 1, "MFF",
                "invalid market forces factor '" + std::string(mff_text) + "'; expected a decimal such as 1.051320001");
    }
    if (factor && is_provider_code(provider)) {
      result.table.by_provider.emplace(provider, *factor);
    }
  }
  return result;
}

}  // namespace careid::sus::tariff
