#include "sus/api/http/service.h"

#include "base/log.h"
#include "sus/api/http/mount.h"

namespace careid::sus::api::http {

Result<std::unique_ptr<SusService>> start_sus_service(const Config& config,
                                                      const federation::oidc::Provider* provider,
                                                      federation::IdentitySource& people) {
  if (config.sus.store.empty()) {
    return std::unique_ptr<SusService>();
  }
  if (provider == nullptr) {
    return Status::failed_precondition(
        "sus.store is set but the OpenID provider is off (no key at oidc.signing_keys), and the "
        "SUS API accepts only its access tokens; create the key or remove sus.store");
  }
  Result<std::unique_ptr<storage::SusStore>> store = storage::open_store(config.sus.store);
  if (!store.ok()) {
    // The status names the store by its location, without a password (storage/store.h).
    return store.status().with_context("opening sus.store");
  }

  ApiSettings settings;
  settings.access.read_activities = config.sus.read_activities;
  settings.access.submit_activities = config.sus.submit_activities;
  settings.limits.max_body_bytes = config.sus.max_body_bytes;
  settings.limits.max_batch_spells = config.sus.max_batch_spells;
  settings.limits.max_extract_spells = config.sus.max_extract_spells;
  settings.cache_ttl = std::chrono::seconds(config.sus.cache_seconds);

  auto service = std::make_unique<SusService>();
  service->store = std::move(*store);
  service->api = std::make_unique<SusApi>(*service->store, std::move(settings));
  service->authenticator = std::make_unique<BearerAuthenticator>(*provider, people);
  service->mount = make_mount(*service->api, *service->authenticator);
  log::get("sus")->info("api serving store {}", service->store->location());
  return service;
}

}  // namespace careid::sus::api::http
