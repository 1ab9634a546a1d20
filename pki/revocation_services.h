// RevocationServices: everything careidd runs for card revocation, opened from the config in
// one call. These are the card registry and the revocation cache that card logins consult.
// When the card CA's private key is in the data folder, they include the CRL publisher and
// the OCSP responder too.
#pragma once

#include <memory>

#include "base/config.h"
#include "base/status.h"
#include "pki/card_registry.h"
#include "pki/crl_publisher.h"
#include "pki/ocsp_responder.h"
#include "pki/revocation_cache.h"

namespace careid::pki {

// Declared in dependency order: the registry outlives the objects that read it.
struct RevocationServices {
  std::unique_ptr<CardRegistry> registry;
  std::unique_ptr<RevocationCache> cache;
  std::unique_ptr<CrlPublisher> crl;     // null without the CA key
  std::unique_ptr<OcspResponder> ocsp;   // null without the CA key
};

// Opens <data_dir>/pki/registry and starts the cache (refreshed every
// pki.revocation_refresh_seconds). When <data_dir>/pki/card-ca.key exists it also publishes
// the CRL (pki.crl_validity_seconds) and starts the OCSP responder, signed by a delegated
// certificate that load_or_issue_ocsp_signer keeps in pki/ocsp-signing.pem. Fails with the
// Status of the first part that cannot start.
//
// NOTE: the demo and tests keep the CA key on the server. A deployment that keeps it offline
// gets no CRL or OCSP from careidd, so it must publish CRLs with careidctl.
Result<RevocationServices> start_revocation_services(const Config& config);

}  // namespace careid::pki
