// Fuzzes the SAML HTTP-Redirect binding: the query string of GET /saml/sso, decoded
// (percent-encoding, base64, raw DEFLATE) and the AuthnRequest XML parsed and checked
// against an empty service provider registry.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "federation/saml/authn_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/service_provider.h"

namespace saml = careid::federation::saml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  auto message = saml::decode_redirect_query(query);
  if (!message.ok()) {
    return 0;
  }

  static const saml::ServiceProviderRegistry registry;
  const saml::AuthnRequestContext context{registry, "https://127.0.0.1:8443/saml/sso",
                                          std::chrono::system_clock::now()};
  (void)saml::check_authn_request(*message, context);
  return 0;
}
