// Fuzzes DN strings (RFC 4514 3). A DN that parses must print to a string that parses back
// to an equal DN, because entries are stored and indexed under the printed form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "directory/dn/dn.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using careid::directory::dn::Dn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto dn = Dn::parse(text);
  if (!dn.ok()) {
    return 0;
  }

  (void)dn->normalise();
  if (!dn->is_root()) {
    (void)dn->parent();
    (void)dn->is_descendant_of(dn->parent());
  }
  auto reparsed = Dn::parse(dn->to_string());
  if (!reparsed.ok() || !(*reparsed == *dn)) {
    std::abort();
  }
  return 0;
}
