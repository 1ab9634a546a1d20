#include "sus/extract/extract.h"

#include <chrono>

#include "sus/tariff/money.h"

namespace careid::sus::extract {
namespace {

// Quotes a field when it contains a comma, quote or line break (RFC 4180 section 2 rule 6).
void append_field(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

constexpr std::size_t kFlushBytes = 1 << 20;

}  // namespace

bool SpellFilter::matches(const spells::Spell& spell) const {
  return spell.discharge_date >= from && spell.discharge_date <= to &&
         (provider.empty() || spell.provider == provider) && (commissioner.empty() || spell.commissioner == commissioner);
}

Result<SpellFilter> financial_year_period(std::string_view year) {
  if (!tariff::is_financial_year(year)) {
    return Status::invalid_argument("invalid financial year '" + std::string(year) + "'; expected such as 2015/16");
  }
  const std::string first_year(year.substr(0, 4));
  auto from = spells::parse_date(first_year + "-04-01");
  auto to = spells::parse_date(std::to_string(std::stoi(first_year) + 1) + "-03-31");
  if (!from || !to) {
    return Status::invalid_argument("financial year '" + std::string(year) + "' is outside 1900-2199");
  }
  SpellFilter filter;
  filter.from = *from;
  filter.to = *to;
  return filter;
}

Result<PricingSummary> price_stored_spells(const storage::SusStore& store, std::string_view year,
                                           const SpellFilter& filter, const PricedSpellSink& sink) {
  auto tariff = store.load_tariff_year(year);
  if (!tariff.ok()) {
    return tariff.status();
  }
  auto mff = store.load_mff_year(year);
  if (!mff.ok()) {
    return mff.status();
  }

  PricingSummary summary;
  Status status = store.for_each_spell([&](const spells::Spell& spell) {
    if (!filter.matches(spell)) {
      return Status::ok_status();
    }
    ++summary.spells;
    auto payment = payment::price_spell(spell, *tariff, *mff);
    if (payment.ok()) {
      ++summary.priced;
      summary.total += payment->total;
    } else {
      ++summary.unpriced;
      if (summary.unpriced_reasons.size() < PricingSummary::kMaxReasons) {
        summary.unpriced_reasons.push_back(payment.status().message());
      }
    }
    if (sink) {
      sink(spell, payment);
    }
    return Status::ok_status();
  });
  CAREID_RETURN_IF_ERROR(status);
  return summary;
}

std::string extract_header() {
  return "provider,commissioner,spell_number,admission_method,patient_classification,start_date,discharge_date,"
         "length_of_stay,age_on_admission,hrg_code,price_basis,base_price,trim_point_days,excess_days,"
         "per_day_payment,long_stay_payment,subtotal,mff,mff_adjustment,total,status,reason\n";
}

void append_extract_row(std::string& out, const spells::Spell& spell, const Result<payment::Payment>& payment) {
  using tariff::format_pounds;
  append_field(out, spell.provider);
  out.push_back(',');
  append_field(out, spell.commissioner);
  out.push_back(',');
  append_field(out, spell.spell_number);
  out += "," + spell.admission_method + "," + std::to_string(static_cast<int>(spell.classification)) + "," +
         spells::format_date(spell.start_date) + "," + spells::format_date(spell.discharge_date) + "," +
         std::to_string(spell.length_of_stay()) + "," + std::to_string(spell.age_on_admission) + "," +
         spell.hrg_code + ",";
  if (!payment.ok()) {
    out += ",,,,,,,,,,unpriced,";
    append_field(out, payment.status().message());
    out.push_back('\n');
    return;
  }
  const payment::Payment& p = *payment;
  out += std::string(payment::price_basis_name(p.basis)) + "," + format_pounds(p.base) + "," +
         (p.excess_days > 0 ? std::to_string(p.trim_days) : "") + "," + std::to_string(p.excess_days) + "," +
         format_pounds(p.per_day) + "," + format_pounds(p.long_stay) + "," + format_pounds(p.subtotal) + "," +
         tariff::format_mff(p.mff) + "," + format_pounds(p.mff_adjustment) + "," + format_pounds(p.total) +
         ",priced,\n";
}

Result<PricingSummary> write_extract(const storage::SusStore& store, std::string_view year, const SpellFilter& filter,
                                     std::ostream& out) {
  std::string buffer = extract_header();
  auto summary = price_stored_spells(store, year, filter,
                                     [&](const spells::Spell& spell, const Result<payment::Payment>& payment) {
                                       append_extract_row(buffer, spell, payment);
                                       if (buffer.size() > kFlushBytes) {
                                         out << buffer;
                                         buffer.clear();
                                       }
                                     });
  out << buffer;
  out.flush();
  if (summary.ok() && !out) {
    return Status::io_error("writing the extract failed");
  }
  return summary;
}

}  // namespace careid::sus::extract
