#include "sus/api/spell_json.h"

#include <array>
#include <string_view>

#include "sus/tariff/money.h"

namespace careid::sus::api {
namespace {

struct Member {
  std::string_view json_name;
  std::string_view cds_name;
};

constexpr std::array<Member, 9> kMembers = {{
    {"spell_number", "HOSPITAL PROVIDER SPELL NUMBER"},
    {"provider", "ORGANISATION CODE (CODE OF PROVIDER)"},
    {"commissioner", "ORGANISATION CODE (CODE OF COMMISSIONER)"},
    {"admission_method", "ADMISSION METHOD (HOSPITAL PROVIDER SPELL)"},
    {"patient_classification", "PATIENT CLASSIFICATION"},
    {"start_date", "START DATE (HOSPITAL PROVIDER SPELL)"},
    {"discharge_date", "DISCHARGE DATE (HOSPITAL PROVIDER SPELL)"},
    {"age_on_admission", "AGE ON ADMISSION"},
    {"hrg_code", "HEALTHCARE RESOURCE GROUP CODE"},
}};

// Longest member value copied into the CSV; every valid value is far shorter.
constexpr std::size_t kMaxValueBytes = 64;

Json optional_pounds(const std::optional<tariff::Pence>& amount) {
  return amount ? Json(tariff::format_pounds(*amount)) : Json(nullptr);
}

Json optional_days(const std::optional<std::int32_t>& days) {
  return days ? Json(*days) : Json(nullptr);
}

// RFC 4180 2.6: a field in double quotes, with each quote doubled.
void append_quoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  out += '"';
}

// Sets `text` to the member's value and returns "", or returns the reason it is rejected.
std::string member_text(const Json& element, const Member& member, std::string& text) {
  auto found = element.find(std::string(member.json_name));
  if (found == element.end()) {
    return std::string("missing ") + std::string(member.json_name);
  }
  if (found->is_string()) {
    text = found->get<std::string>();
  } else if (found->is_number_integer()) {
    text = found->dump();
  } else {
    return std::string(member.json_name) + " must be a string or an integer";
  }
  if (text.size() > kMaxValueBytes) {
    return std::string(member.json_name) + " is longer than 64 bytes";
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return std::string(member.json_name) + " contains a control character";
    }
  }
  return "";
}

// Appends one CSV line for `element`, or returns the reason it is rejected.
std::string append_element(const Json& element, std::string& csv) {
  if (!element.is_object()) {
    return "a spell must be a JSON object";
  }
  for (const auto& [name, value] : element.items()) {
    bool known = false;
    for (const Member& member : kMembers) {
      known = known || member.json_name == name;
    }
    if (!known) {
      return "unknown member '" + name.substr(0, 64) + "'";
    }
  }

  std::string line;
  for (const Member& member : kMembers) {
    std::string text;
    std::string reason = member_text(element, member, text);
    if (!reason.empty()) {
      return reason;
    }
    line += line.empty() ? "" : ",";
    append_quoted(line, text);
  }
  csv += line + "\n";
  return "";
}

}  // namespace

Json spell_to_json(const spells::Spell& spell) {
  return {{"spell_number", spell.spell_number},
          {"provider", spell.provider},
          {"commissioner", spell.commissioner},
          {"admission_method", spell.admission_method},
          {"patient_classification", std::to_string(static_cast<int>(spell.classification))},
          {"start_date", spells::format_date(spell.start_date)},
          {"discharge_date", spells::format_date(spell.discharge_date)},
          {"length_of_stay", spell.length_of_stay()},
          {"age_on_admission", spell.age_on_admission},
          {"hrg_code", spell.hrg_code}};
}

Json payment_to_json(const spells::Spell& spell, const Result<payment::Payment>& payment) {
  if (!payment.ok()) {
    return {{"priced", false}, {"reason", payment.status().message()}};
  }
  const payment::Payment& p = *payment;
  return {{"priced", true},
          {"basis", payment::price_basis_name(p.basis)},
          {"base_price", tariff::format_pounds(p.base)},
          {"trim_point_days", p.trim_days},
          {"excess_days", p.excess_days},
          {"per_day_long_stay", tariff::format_pounds(p.per_day)},
          {"long_stay_payment", tariff::format_pounds(p.long_stay)},
          {"subtotal", tariff::format_pounds(p.subtotal)},
          {"market_forces_factor", tariff::format_mff(p.mff)},
          {"mff_adjustment", tariff::format_pounds(p.mff_adjustment)},
          {"total", tariff::format_pounds(p.total)},
          {"explanation", payment::explain(spell, p)}};
}

Json hrg_price_to_json(const tariff::HrgPrice& price) {
  Json short_stay_percent = price.short_stay_emergency_percent
                                ? Json(*price.short_stay_emergency_percent)
                                : Json(nullptr);
  return {{"hrg_code", price.hrg_code},
          {"hrg_name", price.hrg_name},
          {"combined_day_case_ordinary_elective", optional_pounds(price.combined_elective)},
          {"day_case", optional_pounds(price.day_case)},
          {"ordinary_elective", optional_pounds(price.ordinary_elective)},
          {"ordinary_elective_trim_point_days", optional_days(price.elective_trim_days)},
          {"non_elective", optional_pounds(price.non_elective)},
          {"non_elective_trim_point_days", optional_days(price.non_elective_trim_days)},
          {"per_day_long_stay", optional_pounds(price.per_day_long_stay)},
          {"reduced_short_stay_emergency_applies", price.short_stay_emergency_applies},
          {"reduced_short_stay_emergency_percent", short_stay_percent},
          {"reduced_short_stay_emergency", optional_pounds(price.short_stay_emergency)}};
}

Result<CsvBatch> json_spells_to_csv(const Json& spells) {
  if (!spells.is_array()) {
    return Status::invalid_argument("the body must be a JSON array of spells, got a JSON " +
                                    std::string(spells.type_name()));
  }
  CsvBatch batch;
  for (const Member& member : kMembers) {
    batch.csv += batch.csv.empty() ? "" : ",";
    batch.csv += member.cds_name;
  }
  batch.csv += "\n";

  for (std::size_t index = 0; index < spells.size(); ++index) {
    std::string reason = append_element(spells[index], batch.csv);
    if (!reason.empty()) {
      batch.rejected.push_back({index, "", std::move(reason)});
      continue;
    }
    batch.element_of_line.push_back(index);
  }
  return batch;
}

}  // namespace careid::sus::api
