#include "sus/tariff/tariff_csv.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <charconv>
#include <optional>

#include "sus/csv/csv.h"

namespace careid::sus::tariff {
namespace {

enum Column : std::size_t {
  kHrgCode,
  kHrgName,
  kCombined,
  kDayCase,
  kOrdinaryElective,
  kElectiveTrim,
  kNonElective,
  kNonElectiveTrim,
  kPerDay,
  kShortStayApplies,
  kShortStayPercent,
  kShortStayPrice,
  kColumnCount,
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "HRG code",
    "HRG name",
    "Combined day case / ordinary elective spell tariff (£)",
    "Day case spell tariff (£)",
    "Ordinary elective spell tariff (£)",
    "Ordinary elective long stay trim point (days)",
    "Non-elective spell tariff (£)",
    "Non-elective long stay trim point (days)",
    "Per day long stay payment (for days exceeding trim point) (£)",
    "Reduced short stay emergency tariff applicable?",
    "% applied in calculation of reduced short stay emergency tariff",
    "Reduced short stay emergency tariff (£)",
};

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Maps a normalised workbook heading to its column, or kColumnCount for an unused column.
Column classify_heading(std::string_view heading) {
  if (heading == "hrg code") return kHrgCode;
  if (heading == "hrg name") return kHrgName;
  if (starts_with(heading, "combined day case")) return kCombined;
  if (starts_with(heading, "day case spell")) return kDayCase;
  if (starts_with(heading, "ordinary elective spell")) return kOrdinaryElective;
  if (starts_with(heading, "ordinary elective long stay trim point")) return kElectiveTrim;
  if (starts_with(heading, "non-elective spell")) return kNonElective;
  if (starts_with(heading, "non-elective long stay trim point")) return kNonElectiveTrim;
  if (starts_with(heading, "per day long stay payment")) return kPerDay;
  if (starts_with(heading, "% applied")) return kShortStayPercent;
  if (starts_with(heading, "reduced short stay emergency tariff")) {
    return heading.find("applicable") != std::string_view::npos ? kShortStayApplies : kShortStayPrice;
  }
  return kColumnCount;
}

// Collects errors up to kMaxReportedErrors and counts all of them.
class ErrorList {
 public:
  ErrorList(std::vector<RowError>& errors, std::size_t& count) : errors_(errors), count_(count) {}

  void add(std::size_t line, std::size_t column, std::string column_name, std::string message) {
    ++count_;
    if (errors_.size() < kMaxReportedErrors) {
      errors_.push_back({line, column, std::move(column_name), std::move(message)});
    }
  }

 private:
  std::vector<RowError>& errors_;
  std::size_t& count_;
};

// Finds the position of each tariff column in the header row. Returns false, with errors
// added, when a column is missing or appears twice.
bool map_header(const std::vector<std::string_view>& header, std::array<std::size_t, kColumnCount>& position,
                ErrorList& errors) {
  position.fill(SIZE_MAX);
  bool ok = true;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const Column column = classify_heading(csv::normalise_header(csv::trim(header[i])));
    if (column == kColumnCount) {
      continue;
    }
    if (position[column] != SIZE_MAX) {
      errors.add(1, i + 1, std::string(header[i]), "duplicate column; it also appears in column " +
                                                       std::to_string(position[column] + 1));
      ok = false;
      continue;
    }
    position[column] = i;
  }
  for (std::size_t column = 0; column < kColumnCount; ++column) {
    if (position[column] == SIZE_MAX) {
      errors.add(1, 0, std::string(kColumnNames[column]), "missing column");
      ok = false;
    }
  }
  return ok;
}

std::optional<std::int32_t> parse_count(std::string_view text, std::int32_t max) {
  std::int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

// Reads one data row into `price`, adding an error for each cell that is invalid.
class RowReader {
 public:
  RowReader(const std::vector<std::string_view>& fields, const std::array<std::size_t, kColumnCount>& position,
            std::size_t line, ErrorList& errors)
      : fields_(fields), position_(position), line_(line), errors_(errors) {}

  std::string_view cell(Column column) const { return csv::trim(fields_[position_[column]]); }

  void fail(Column column, std::string message) {
    errors_.add(line_, position_[column] + 1, std::string(kColumnNames[column]), std::move(message));
  }

  bool is_empty(Column column) {
    if (!cell(column).empty()) {
      return false;
    }
    fail(column, "empty cell; write - when there is no value");
    return true;
  }

  std::optional<Pence> price(Column column) {
    if (is_empty(column) || cell(column) == "-") {
      return std::nullopt;
    }
    auto pence = parse_pounds(cell(column));
    if (!pence) {
      fail(column, "invalid price '" + std::string(cell(column)) + "'; expected pounds such as 1234 or 1,234.50");
    }
    return pence;
  }

  std::optional<std::int32_t> days(Column column) {
    if (is_empty(column) || cell(column) == "-") {
      return std::nullopt;
    }
    auto value = parse_count(cell(column), 9999);
    if (!value) {
      fail(column, "invalid trim point '" + std::string(cell(column)) + "'; expected whole days 0-9999");
    }
    return value;
  }

  std::optional<std::int32_t> percent(Column column) {
    std::string_view text = cell(column);
    if (is_empty(column) || text == "-") {
      return std::nullopt;
    }
    if (text.back() == '%') {
      text.remove_suffix(1);
    }
    auto value = parse_count(text, 100);
    if (!value) {
      fail(column, "invalid percentage '" + std::string(cell(column)) + "'; expected 0-100, such as 39%");
    }
    return value;
  }

  bool flag(Column column) {
    const std::string text = csv::normalise_header(cell(column));
    if (text == "yes" || text == "y") {
      return true;
    }
    if (text != "no" && text != "n" && text != "-") {
      fail(column, "invalid flag '" + std::string(cell(column)) + "'; expected Yes, No or -");
    }
    return false;
  }

 private:
  const std::vector<std::string_view>& fields_;
  const std::array<std::size_t, kColumnCount>& position_;
  std::size_t line_;
  ErrorList& errors_;
};

HrgPrice read_price_row(RowReader& row) {
  HrgPrice price;
  price.hrg_code = std::string(row.cell(kHrgCode));
  if (!is_hrg_code(price.hrg_code)) {
    row.fail(kHrgCode, "invalid HRG code '" + price.hrg_code + "'; expected two letters, two digits and a letter");
  }
  price.hrg_name = std::string(row.cell(kHrgName));
  row.is_empty(kHrgName);

  price.combined_elective = row.price(kCombined);
  price.day_case = row.price(kDayCase);
  price.ordinary_elective = row.price(kOrdinaryElective);
  price.elective_trim_days = row.days(kElectiveTrim);
  price.non_elective = row.price(kNonElective);
  price.non_elective_trim_days = row.days(kNonElectiveTrim);
  price.per_day_long_stay = row.price(kPerDay);
  price.short_stay_emergency_applies = row.flag(kShortStayApplies);
  price.short_stay_emergency_percent = row.percent(kShortStayPercent);
  price.short_stay_emergency = row.price(kShortStayPrice);

  // Cross-column rules: a payment the calculation would need must be present.
  if (price.short_stay_emergency_applies && row.cell(kShortStayPrice) == "-") {
    row.fail(kShortStayPrice, "missing price for an HRG flagged for the reduced short stay emergency tariff");
  }
  const bool has_trim = price.elective_trim_days || price.non_elective_trim_days;
  if (has_trim && row.cell(kPerDay) == "-") {
    row.fail(kPerDay, "missing per-day long stay payment for an HRG with a trim point");
  }
  return price;
}

}  // namespace

std::string RowError::to_string() const {
  std::string out = "line " + std::to_string(line);
  if (column != 0) {
    out += ", column " + std::to_string(column);
  }
  if (!column_name.empty()) {
    out += " (" + column_name + ")";
  }
  return out + ": " + message;
}

TariffImport parse_tariff_csv(std::string_view text, std::string year) {
  TariffImport result{TariffYear(std::move(year)), {}, 0};
  ErrorList errors(result.errors, result.error_count);
  csv::Cursor cursor(text);
  std::vector<std::string_view> fields;

  auto header = cursor.next(fields);
  if (!header.ok() || !*header) {
    errors.add(1, 0, "", header.ok() ? "empty file; expected a header line" : header.status().message());
    return result;
  }
  std::array<std::size_t, kColumnCount> position{};
  if (!map_header(fields, position, errors)) {
    return result;
  }

  while (true) {
    auto more = cursor.next(fields);
    if (!more.ok()) {
      errors.add(cursor.record_line(), 0, "", more.status().message());
      continue;
    }
    if (!*more) {
      break;
    }
    const std::size_t line = cursor.record_line();
    if (fields.size() == 1 && csv::trim(fields[0]).empty()) {
      continue;  // a blank line, which spreadsheet exports often end with
    }
    if (fields.size() <= *std::max_element(position.begin(), position.end())) {
      errors.add(line, 0, "", "row has " + std::to_string(fields.size()) + " columns, fewer than the header");
      continue;
    }

    RowReader row(fields, position, line, errors);
    const std::size_t errors_before = result.error_count;
    HrgPrice price = read_price_row(row);
    if (result.error_count == errors_before && result.tariff.find(price.hrg_code) != nullptr) {
      row.fail(kHrgCode, "duplicate HRG code '" + price.hrg_code + "'");
    }
    if (result.error_count == errors_before) {
      result.tariff.put(std::move(price));
    }
  }
  return result;
}

const MffFactor* MffTable::find(std::string_view provider) const {
  auto it = by_provider.find(std::string(provider));
  return it == by_provider.end() ? nullptr : &it->second;
}

Status import_errors_status(const std::filesystem::path& path, const std::vector<RowError>& errors,
                            std::size_t error_count) {
  if (error_count == 0) {
    return Status::ok_status();
  }
  std::string message = path.string() + ": " + std::to_string(error_count) + " invalid " +
                        (error_count == 1 ? "value" : "values") + "; nothing was stored";
  for (const RowError& error : errors) {
    message += "\n  " + error.to_string();
  }
  if (error_count > errors.size()) {
    message += "\n  ... and " + std::to_string(error_count - errors.size()) + " more";
  }
  return Status::invalid_argument(message);
}

}  // namespace careid::sus::tariff
