// Fuzzes the LDIF reader (RFC 2849): every record of the input, including the recovery
// after a bad record. Small limits make the limit errors reachable.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "directory/ldif/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream input(std::string(reinterpret_cast<const char*>(data), size));
  careid::directory::ldif::ReaderLimits limits;
  limits.max_line_bytes = 4096;
  limits.max_record_bytes = 16384;
  limits.max_record_lines = 256;
  careid::directory::ldif::Reader reader(input, limits);

  // Each call consumes at least one line, so size + 1 calls reach the end of any input.
  for (std::size_t i = 0; i <= size; ++i) {
    auto record = reader.next();
    if (record.ok() && !record->has_value()) {
      break;
    }
  }
  return 0;
}
