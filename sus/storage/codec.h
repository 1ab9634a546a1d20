// Byte encodings of stored values. Integers are little-endian; strings carry a 2-byte
// length. A change of layout needs a new "format" value in the meta database.
#pragma once

#include <string>
#include <string_view>

#include "sus/spells/spell.h"
#include "sus/tariff/tariff.h"

namespace careid::sus::storage::detail {

std::string encode_price(const tariff::HrgPrice& price);
// Returns false when `bytes` is truncated or has bytes left over.
bool decode_price(std::string_view bytes, tariff::HrgPrice& price);

std::string encode_spell(const spells::Spell& spell);
// Appends the encoding of `spell` to `bytes`, as encode_spell returns it.
void append_spell(const spells::Spell& spell, std::string& bytes);
bool decode_spell(std::string_view bytes, spells::Spell& spell);

// Keys: `first` NUL `second`.
std::string make_key(std::string_view first, std::string_view second);

}  // namespace careid::sus::storage::detail
