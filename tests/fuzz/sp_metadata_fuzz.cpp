// Fuzzes SAML service provider metadata (SAML Metadata 2.3.2, 2.4.4): XML parsing with the
// default limits, then the EntityDescriptor reader. Metadata files come from the operator,
// but a broken one must stop start-up with an error, never crash it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "federation/saml/service_provider.h"
#include "xml/document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto document = careid::xml::Document::parse(text);
  if (!document.ok()) {
    return 0;
  }

  auto provider = careid::federation::saml::ServiceProviderRegistry::parse_metadata(*document, "fuzz.xml");
  if (provider.ok()) {
    (void)provider->default_post_acs();
  }
  return 0;
}
