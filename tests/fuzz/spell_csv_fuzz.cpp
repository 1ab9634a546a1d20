// Fuzzes the SUS spell ingest (ingest_spells): the CSV reader, header matching and every
// field check. An accepted spell must have a discharge date on or after its start date.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sus/spells/spell_csv.h"

namespace spells = careid::sus::spells;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto on_spell = [](const spells::Spell& spell) {
    if (spell.discharge_date < spell.start_date) {
      std::abort();
    }
    return careid::Status::ok_status();
  };
  auto on_reject = [](const spells::Rejection&) {};
  (void)spells::ingest_spells(text, on_spell, on_reject);
  return 0;
}
