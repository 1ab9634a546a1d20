#include "sus/spells/spell_csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <functional>
#include <cstdint>
#include <utility>
#include <vector>

#include "sus/csv/csv.h"

namespace careid::sus::spells {
namespace {

enum Field : std::size_t {
  kSpellNumber,
  kProvider,
  kCommissioner,
  kAdmissionMethod,
  kClassification,
  kStartDate,
  kDischargeDate,
  kAge,
  kHrgCode,
  kFieldCount,
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "HOSPITAL PROVIDER SPELL NUMBER",
    "ORGANISATION CODE (CODE OF PROVIDER)",
    "ORGANISATION CODE (CODE OF COMMISSIONER)",
    "ADMISSION METHOD (HOSPITAL PROVIDER SPELL)",
    "PATIENT CLASSIFICATION",
    "START DATE (HOSPITAL PROVIDER SPELL)",
    "DISCHARGE DATE (HOSPITAL PROVIDER SPELL)",
    "AGE ON ADMISSION",
    "HEALTHCARE RESOURCE GROUP CODE",
};

constexpr std::int32_t kMaxAge = 130;
// CDS: HOSPITAL PROVIDER SPELL NUMBER is at most 12 characters.
constexpr std::size_t kMaxSpellNumber = 12;

bool is_code(std::string_view code, std::size_t min, std::size_t max) {
  if (code.size() < min || code.size() > max) {
    return false;
  }
  return std::all_of(code.begin(), code.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

bool is_hrg(std::string_view code) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return code.size() == 5 && upper(code[0]) && upper(code[1]) && digit(code[2]) && digit(code[3]) && upper(code[4]);
}

std::string invalid(Field field, std::string_view value, std::string_view expected) {
  return "invalid " + std::string(kFieldNames[field]) + " '" + std::string(value) + "'; expected " +
         std::string(expected);
}

// Fills `spell` from one row. Returns the reason for the first invalid field, or "".
std::string read_spell(const std::vector<std::string_view>& row, const std::array<std::size_t, kFieldCount>& position,
                       Spell& spell) {
  auto cell = [&](Field field) { return csv::trim(row[position[field]]); };
  for (std::size_t field = 0; field < kFieldCount; ++field) {
    if (cell(static_cast<Field>(field)).empty()) {
      return "missing " + std::string(kFieldNames[field]);
    }
  }

  spell.spell_number = std::string(cell(kSpellNumber));
  const bool printable = std::all_of(spell.spell_number.begin(), spell.spell_number.end(),
                                     [](char c) { return c > ' ' && c <= '~' && c != ','; });
  if (spell.spell_number.size() > kMaxSpellNumber || !printable) {
    return invalid(kSpellNumber, cell(kSpellNumber), "at most 12 printable characters without spaces or commas");
  }
  spell.provider = std::string(cell(kProvider));
  if (!is_code(spell.provider, 3, 5)) {
    return invalid(kProvider, spell.provider, "an ODS code of 3 to 5 capital letters and digits");
  }
  spell.commissioner = std::string(cell(kCommissioner));
  if (!is_code(spell.commissioner, 3, 5)) {
    return invalid(kCommissioner, spell.commissioner, "an ODS code of 3 to 5 capital letters and digits");
  }
  spell.admission_method = std::string(cell(kAdmissionMethod));
  if (!admission_group(spell.admission_method)) {
    return invalid(kAdmissionMethod, spell.admission_method, "11-13, 21-25, 28, 2A-2D, 31, 32 or 81-83");
  }
  const std::string_view classification = cell(kClassification);
  if (classification.size() != 1 || classification[0] < '1' || classification[0] > '5') {
    return invalid(kClassification, classification, "1 to 5");
  }
  spell.classification = static_cast<PatientClassification>(classification[0] - '0');

  auto start = parse_date(cell(kStartDate));
  if (!start) {
    return invalid(kStartDate, cell(kStartDate), "a date CCYY-MM-DD");
  }
  auto discharge = parse_date(cell(kDischargeDate));
  if (!discharge) {
    return invalid(kDischargeDate, cell(kDischargeDate), "a date CCYY-MM-DD");
  }
  if (*discharge < *start) {
    return "DISCHARGE DATE (HOSPITAL PROVIDER SPELL) " + std::string(cell(kDischargeDate)) +
           " is before START DATE (HOSPITAL PROVIDER SPELL) " + std::string(cell(kStartDate));
  }
  spell.start_date = *start;
  spell.discharge_date = *discharge;

  const std::string_view age = cell(kAge);
  auto [end, ec] = std::from_chars(age.data(), age.data() + age.size(), spell.age_on_admission);
  if (ec != std::errc{} || end != age.data() + age.size() || spell.age_on_admission < 0 ||
      spell.age_on_admission > kMaxAge) {
    return invalid(kAge, age, "whole years 0-130");
  }
  spell.hrg_code = std::string(cell(kHrgCode));
  if (!is_hrg(spell.hrg_code)) {
    return invalid(kHrgCode, spell.hrg_code, "two letters, two digits and a letter");
  }
  return "";
}

// The provider and spell number of every accepted row, to reject repeats: an
// open-addressing hash table (linear probing), because a national month has 1.4 million
// keys and a node-based set paid a cache miss and an allocation for each. The table never
// grows: it starts with twice as many slots as the text can hold accepted rows, so it stays
// at most half full. Keys are views into the CSV text. The rare field that the cursor
// unescaped into its own buffer (one with doubled quotes) is copied into owned_.
class SeenSpells {
 public:
  explicit SeenSpells(std::string_view text) : text_(text) {
    const std::size_t max_rows = text.size() / kMinRowBytes + 1;
    std::size_t capacity = 1024;
    while (capacity < 2 * max_rows) {
      capacity *= 2;
    }
    slots_.assign(capacity, Slot{});
  }

  // Returns false when the pair was inserted before.
  bool insert(std::string_view provider, std::string_view spell_number) {
    const std::uint64_t hash = hash_of(provider, spell_number);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.index == kEmpty) {
        slot = Slot{hash, keys_.size()};
        keys_.emplace_back(stable(provider), stable(spell_number));
        return true;
      }
      if (slot.hash == hash && keys_[slot.index].first == provider && keys_[slot.index].second == spell_number) {
        return false;
      }
    }
  }

 private:
  // An accepted row has at least 36 characters in its nine fields (spell number 1,
  // provider 3, commissioner 3, admission method 2, classification 1, two dates 10 each,
  // age 1, HRG 5) and eight commas.
  static constexpr std::size_t kMinRowBytes = 44;
  static constexpr std::size_t kEmpty = SIZE_MAX;

  struct Slot {
    std::uint64_t hash = 0;
    std::size_t index = kEmpty;  // into keys_
  };

  static std::uint64_t hash_of(std::string_view provider, std::string_view spell_number) {
    const std::uint64_t first = std::hash<std::string_view>{}(provider);
    return first ^ (std::hash<std::string_view>{}(spell_number) + 0x9e3779b97f4a7c15ULL + (first << 6) + (first >> 2));
  }

  std::string_view stable(std::string_view field) {
    const std::less<const char*> before;
    if (!before(field.data(), text_.data()) && !before(text_.data() + text_.size(), field.data() + field.size())) {
      return field;
    }
    return owned_.emplace_back(field);
  }

  std::string_view text_;
  std::deque<std::string> owned_;
  std::vector<Slot> slots_;
  std::vector<std::pair<std::string_view, std::string_view>> keys_;
};

Status map_header(const std::vector<std::string_view>& header, std::array<std::size_t, kFieldCount>& position) {
  position.fill(SIZE_MAX);
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string heading = csv::normalise_header(csv::trim(header[i]));
    for (std::size_t field = 0; field < kFieldCount; ++field) {
      if (heading == csv::normalise_header(kFieldNames[field])) {
        position[field] = i;
      }
    }
  }
  for (std::size_t field = 0; field < kFieldCount; ++field) {
    if (position[field] == SIZE_MAX) {
      return Status::invalid_argument("line 1: missing column " + std::string(kFieldNames[field]));
    }
  }
  return Status::ok_status();
}

}  // namespace

Result<IngestSummary> ingest_spells(std::string_view text, const std::function<Status(const Spell&)>& on_spell,
                                    const std::function<void(const Rejection&)>& on_reject) {
  csv::Cursor cursor(text);
  std::vector<std::string_view> row;
  auto header = cursor.next(row);
  if (!header.ok()) {
    return header.status();
  }
  if (!*header) {
    return Status::invalid_argument("empty file; expected a header line");
  }
  std::array<std::size_t, kFieldCount> position{};
  CAREID_RETURN_IF_ERROR(map_header(row, position));
  const std::size_t min_fields = *std::max_element(position.begin(), position.end()) + 1;

  IngestSummary summary;
  SeenSpells seen(text);
  Spell spell;
  auto reject = [&](std::size_t line, std::string number, std::string reason) {
    ++summary.rejected;
    on_reject(Rejection{line, std::move(number), std::move(reason)});
  };

  while (true) {
    auto more = cursor.next(row);
    if (!more.ok()) {
      reject(cursor.record_line(), "", more.status().message());
      continue;
    }
    if (!*more) {
      break;
    }
    const std::size_t line = cursor.record_line();
    if (row.size() == 1 && csv::trim(row[0]).empty()) {
      continue;
    }
    if (row.size() < min_fields) {
      reject(line, "", "row has " + std::to_string(row.size()) + " columns, fewer than the header");
      continue;
    }

    std::string reason = read_spell(row, position, spell);
    if (reason.empty() &&
        !seen.insert(csv::trim(row[position[kProvider]]), csv::trim(row[position[kSpellNumber]]))) {
      reason = "duplicate HOSPITAL PROVIDER SPELL NUMBER '" + spell.spell_number + "' for provider " + spell.provider;
    }
    if (!reason.empty()) {
      reject(line, std::string(csv::trim(row[position[kSpellNumber]])), std::move(reason));
      continue;
    }
    CAREID_RETURN_IF_ERROR(on_spell(spell));
    ++summary.accepted;
  }
  return summary;
}

}  // namespace careid::sus::spells
