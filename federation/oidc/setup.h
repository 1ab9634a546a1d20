// Builds the OpenID provider from careidd's configuration.
#pragma once

#include <memory>

#include "base/config.h"
#include "base/status.h"
#include "federation/oidc/provider.h"

namespace careid::federation::oidc {

// Loads config.oidc.signing_keys, the clients in config.oidc.clients_dir and the pairwise
// subject secret (config.saml.persistent_id_secret, created when missing). Returns a null
// provider, so that careidd serves no OpenID paths, when the first signing key file does not
// exist. Fails, naming the file, on an unreadable key, a key readable by group or others, a
// key that cannot sign JWS, or an invalid client registration. `source` must outlive the
// provider. `audit` must outlive the provider too.
Result<std::unique_ptr<Provider>> create_provider(const Config& config, IdentitySource& source,
                                                  audit::Sink& audit = audit::null_sink());

}  // namespace careid::federation::oidc
