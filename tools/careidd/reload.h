// careidd's reload on SIGHUP: rereads the configuration file and applies what can change
// safely while serving.
#pragma once

#include <filesystem>

#include "base/config.h"
#include "federation/oidc/provider.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/metadata_refresher.h"

namespace careid::daemon {

// Rereads `config_path` and applies its log_level, then rereads the files in the SP
// metadata folder and the OpenID clients folder that `running` (the configuration careidd
// started with) names. Each part is applied only when it is valid, so a bad file keeps the
// old state of that part and logs why. Other keys, the two folder paths included, need a
// restart, and the log line of each reload states this. `openid` may be null (provider off).
// `metadata_sources` (null without [[saml.metadata_sources]]) is asked to fetch every source
// again on its own thread, so a slow URL does not hold the caller.
void reload(const std::filesystem::path& config_path, const Config& running,
            federation::saml::IdentityProvider& idp, federation::oidc::Provider* openid,
            federation::saml::MetadataRefresher* metadata_sources);

}  // namespace careid::daemon
