// Fuzzes OpenID Connect client registration files: the first byte selects the JSON reader
// (even) or the TOML reader (odd), and the rest is the file text. The files come from the
// operator, but a broken one must stop start-up with an error, never crash it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "federation/oidc/clients.h"

namespace oidc = careid::federation::oidc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size - 1 > oidc::kMaxClientFileBytes) {
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto client = data[0] % 2 == 0 ? oidc::parse_client_json(text, "fuzz.json")
                                 : oidc::parse_client_toml(text, "fuzz.toml");
  if (client.ok()) {
    (void)client->allows_redirect_uri("https://portal.example/callback");
    (void)client->secret_matches("secret");
  }
  return 0;
}
