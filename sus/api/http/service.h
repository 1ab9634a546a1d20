// SusService: everything careidd needs to serve the SUS API, built from the `[sus]`
// configuration keys.
#pragma once

#include <memory>

#include "base/config.h"
#include "base/status.h"
#include "federation/http/router.h"
#include "federation/oidc/provider.h"
#include "federation/sso/identity_source.h"
#include "sus/api/api.h"
#include "sus/api/http/bearer.h"
#include "sus/storage/store.h"

namespace careid::sus::api::http {

struct SusService {
  std::unique_ptr<storage::SusStore> store;
  std::unique_ptr<SusApi> api;
  std::unique_ptr<BearerAuthenticator> authenticator;
  federation::http::Mount mount;  // refers to api and authenticator
};

// Returns null when sus.store is empty. Fails when the store cannot be opened, or when the
// OpenID provider is off (`provider` null), because the API accepts only its tokens.
// `provider` and `people` must outlive the service.
Result<std::unique_ptr<SusService>> start_sus_service(const Config& config,
                                                      const federation::oidc::Provider* provider,
                                                      federation::IdentitySource& people);

}  // namespace careid::sus::api::http
