// Builds careidd's SP metadata refresher from the [[saml.metadata_sources]] configuration,
// fetching with url_fetch.h.
#pragma once

#include <memory>

#include "base/config.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/metadata_refresher.h"

namespace careid::federation::http {

// Loads each source's signing certificates and returns a refresher that is not started
// yet, or null when no source is configured. kInvalidArgument names a certificate file that
// does not load. `idp` must outlive the refresher.
Result<std::unique_ptr<saml::MetadataRefresher>> create_metadata_refresher(
    const Config& config, saml::IdentityProvider& idp);

}  // namespace careid::federation::http
