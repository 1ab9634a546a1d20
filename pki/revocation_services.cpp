#include "pki/revocation_services.h"

#include <filesystem>

#include "base/log.h"
#include "pki/layout.h"

namespace careid::pki {

Result<RevocationServices> start_revocation_services(const Config& config) {
  PkiLayout layout(config.data_dir);
  RevocationServices services;

  auto registry = CardRegistry::open(layout.card_registry_dir());
  if (!registry.ok()) {
    return registry.status();
  }
  services.registry = std::move(*registry);

  const auto refresh = std::chrono::seconds(config.pki.revocation_refresh_seconds);
  auto cache = RevocationCache::create(*services.registry, refresh);
  if (!cache.ok()) {
    return cache.status().with_context("loading the revoked-card list");
  }
  services.cache = std::move(*cache);

  std::error_code error;
  if (!std::filesystem::exists(layout.card_ca_key(), error)) {
    log::get("pki")->warn("no card CA key at {}: careidd serves no CRL and no OCSP",
                          layout.card_ca_key().string());
    return services;
  }
  auto ca = CertificateAuthority::load(config.https.card_ca, layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status().with_context("card CA");
  }
  auto signer = load_or_issue_ocsp_signer(*ca, layout);
  if (!signer.ok()) {
    return signer.status().with_context("OCSP responder certificate");
  }
  OcspResponderOptions ocsp_options;
  ocsp_options.cache_ttl = std::chrono::seconds(config.pki.ocsp_cache_seconds);
  auto ocsp = OcspResponder::create(ca->certificate(), std::move(*signer), *services.registry, ocsp_options);
  if (!ocsp.ok()) {
    return ocsp.status();
  }
  services.ocsp = std::move(*ocsp);

  // The publisher checks as often as the cache refreshes, so a revocation reaches the CRL
  // within the same delay.
  auto crl = CrlPublisher::create(std::move(*ca), *services.registry, layout,
                                  std::chrono::seconds(config.pki.crl_validity_seconds), refresh);
  if (!crl.ok()) {
    return crl.status().with_context("publishing the CRL");
  }
  services.crl = std::move(*crl);
  return services;
}

}  // namespace careid::pki
