// Fuzzes application/x-www-form-urlencoded parsing (parse_form), which reads the query
// string of /oidc/authorize and the body of /oidc/token. A parsed form is encoded again with
// form_encode and must parse back to the same parameters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "federation/oidc/form.h"

namespace oidc = careid::federation::oidc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parameters = oidc::parse_form(text);
  if (!parameters.ok()) {
    return 0;
  }

  // append_query puts '?' before the first pair, because the empty URL has no query yet.
  std::string encoded = oidc::append_query("", *parameters);
  if (!encoded.empty() && encoded.front() == '?') {
    encoded.erase(0, 1);
  }
  auto reparsed = oidc::parse_form(encoded);
  if (!reparsed.ok() || *reparsed != *parameters) {
    std::abort();
  }
  return 0;
}
