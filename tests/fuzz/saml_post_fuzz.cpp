// Fuzzes the SAML HTTP-POST binding: the form body of POST /saml/sso and POST /saml/slo,
// decoded (percent-encoding, base64) and then checked both as an AuthnRequest and as a
// LogoutRequest. One service provider is registered, so inputs with its Issuer reach the
// ACS, Destination, NameID and signature checks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "federation/saml/authn_request.h"
#include "federation/saml/logout.h"
#include "federation/saml/post_request.h"
#include "federation/saml/service_provider.h"

namespace saml = careid::federation::saml;

namespace {

// The SP of the seed corpus. It has no signing certificate, so every signed request fails
// its signature check, and every LogoutRequest fails too, because those must be signed.
saml::ServiceProviderRegistry make_registry() {
  saml::ServiceProvider sp;
  sp.entity_id = "https://sp.example/";
  sp.assertion_consumer_services.push_back(
      {"https://sp.example/acs", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", 1, true, true});
  sp.single_logout_services.push_back(
      {"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "https://sp.example/slo", ""});

  saml::ServiceProviderRegistry registry;
  (void)registry.add(sp);
  return registry;
}

// A fixed clock, 2026-01-01T00:00:00Z, so that the IssueInstant of a seed stays fresh and
// a run can be repeated.
constexpr std::chrono::system_clock::time_point kNow{std::chrono::seconds{1767225600}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto message = saml::decode_post_form(body);
  if (!message.ok()) {
    return 0;
  }

  static const saml::ServiceProviderRegistry registry = make_registry();
  const saml::AuthnRequestContext authn_context{registry, "https://127.0.0.1:8443/saml/sso", kNow};
  (void)saml::check_authn_request(*message, authn_context);

  const saml::LogoutCheckContext logout_context{registry, "https://127.0.0.1:8443/saml/slo", kNow};
  (void)saml::check_logout_request(*message, logout_context);
  return 0;
}
