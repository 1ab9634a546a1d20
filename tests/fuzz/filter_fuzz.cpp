// Fuzzes RFC 4515 filter strings. A filter that parses must print to a string that parses
// to the same printed form, because ldapsearch-style tools and logs rely on format_filter().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "directory/protocol/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto filter = careid::directory::protocol::parse_filter(text);
  if (!filter.ok()) {
    return 0;
  }

  const auto printed = careid::directory::protocol::format_filter(*filter);
  auto reparsed = careid::directory::protocol::parse_filter(printed);
  if (!reparsed.ok() || careid::directory::protocol::format_filter(*reparsed) != printed) {
    std::abort();
  }
  return 0;
}
