#include "sus/storage/codec.h"

#include <cstdint>
#include <cstring>
#include <optional>

namespace careid::sus::storage::detail {
namespace {

// Appends to a string that the caller owns.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }

  void i64(std::int64_t value) {
    for (int i = 0; i < 8; ++i) {
      out_.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xff));
    }
  }

  void i32(std::int32_t value) {
    for (int i = 0; i < 4; ++i) {
      out_.push_back(static_cast<char>((static_cast<std::uint32_t>(value) >> (8 * i)) & 0xff));
    }
  }

  // Strings longer than 65535 bytes are cut; no stored field comes near that.
  void text(std::string_view value) {
    const std::size_t size = value.size() > 0xffff ? 0xffff : value.size();
    u8(static_cast<std::uint8_t>(size & 0xff));
    u8(static_cast<std::uint8_t>(size >> 8));
    out_.append(value.substr(0, size));
  }

  template <class T>
  void optional(const std::optional<T>& value) {
    u8(value ? 1 : 0);
    if (value) {
      i64(*value);
    }
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool u8(std::uint8_t& value) {
    if (in_.empty()) {
      return false;
    }
    value = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }

  bool i64(std::int64_t& value) {
    if (in_.size() < 8) {
      return false;
    }
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
    }
    value = static_cast<std::int64_t>(bits);
    in_.remove_prefix(8);
    return true;
  }

  bool i32(std::int32_t& value) {
    if (in_.size() < 4) {
      return false;
    }
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) {
      bits |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
    }
    value = static_cast<std::int32_t>(bits);
    in_.remove_prefix(4);
    return true;
  }

  bool text(std::string& value) {
    std::uint8_t low = 0;
    std::uint8_t high = 0;
    if (!u8(low) || !u8(high)) {
      return false;
    }
    const std::size_t size = low | (std::size_t{high} << 8);
    if (in_.size() < size) {
      return false;
    }
    value.assign(in_.substr(0, size));
    in_.remove_prefix(size);
    return true;
  }

  template <class T>
  bool optional(std::optional<T>& value) {
    std::uint8_t present = 0;
    if (!u8(present) || present > 1) {
      return false;
    }
    if (present == 0) {
      value.reset();
      return true;
    }
    std::int64_t raw = 0;
    if (!i64(raw)) {
      return false;
    }
    value = static_cast<T>(raw);
    return true;
  }

  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_price(const tariff::HrgPrice& price) {
  std::string bytes;
  Writer out(bytes);
  out.text(price.hrg_code);
  out.text(price.hrg_name);
  out.optional(price.combined_elective);
  out.optional(price.day_case);
  out.optional(price.ordinary_elective);
  out.optional(price.elective_trim_days);
  out.optional(price.non_elective);
  out.optional(price.non_elective_trim_days);
  out.optional(price.per_day_long_stay);
  out.u8(price.short_stay_emergency_applies ? 1 : 0);
  out.optional(price.short_stay_emergency_percent);
  out.optional(price.short_stay_emergency);
  return bytes;
}

bool decode_price(std::string_view bytes, tariff::HrgPrice& price) {
  Reader in(bytes);
  std::uint8_t applies = 0;
  const bool ok = in.text(price.hrg_code) && in.text(price.hrg_name) && in.optional(price.combined_elective) &&
                  in.optional(price.day_case) && in.optional(price.ordinary_elective) &&
                  in.optional(price.elective_trim_days) && in.optional(price.non_elective) &&
                  in.optional(price.non_elective_trim_days) && in.optional(price.per_day_long_stay) &&
                  in.u8(applies) && applies <= 1 && in.optional(price.short_stay_emergency_percent) &&
                  in.optional(price.short_stay_emergency) && in.done();
  price.short_stay_emergency_applies = applies == 1;
  return ok;
}

std::string encode_spell(const spells::Spell& spell) {
  std::string bytes;
  append_spell(spell, bytes);
  return bytes;
}

void append_spell(const spells::Spell& spell, std::string& bytes) {
  Writer out(bytes);
  out.text(spell.spell_number);
  out.text(spell.provider);
  out.text(spell.commissioner);
  out.text(spell.admission_method);
  out.u8(static_cast<std::uint8_t>(spell.classification));
  out.i32(spell.start_date);
  out.i32(spell.discharge_date);
  out.i32(spell.age_on_admission);
  out.text(spell.hrg_code);
}

bool decode_spell(std::string_view bytes, spells::Spell& spell) {
  Reader in(bytes);
  std::uint8_t classification = 0;
  const bool ok = in.text(spell.spell_number) && in.text(spell.provider) && in.text(spell.commissioner) &&
                  in.text(spell.admission_method) && in.u8(classification) && classification >= 1 &&
                  classification <= 5 && in.i32(spell.start_date) && in.i32(spell.discharge_date) &&
                  in.i32(spell.age_on_admission) && in.text(spell.hrg_code) && in.done();
  spell.classification = static_cast<spells::PatientClassification>(classification);
  return ok;
}

std::string make_key(std::string_view first, std::string_view second) {
  std::string key;
  key.reserve(first.size() + 1 + second.size());
  key.append(first);
  key.push_back('\0');
  key.append(second);
  return key;
}

}  // namespace careid::sus::storage::detail
