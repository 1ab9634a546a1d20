#include "tools/careidd/reload.h"

#include "base/config.h"
#include "base/log.h"

namespace careid::daemon {

void reload(const std::filesystem::path& config_path, const Config& running,
            federation::saml::IdentityProvider& idp, federation::oidc::Provider* openid,
            federation::saml::MetadataRefresher* metadata_sources) {
  auto logger = log::get("careidd");
  logger->info("SIGHUP received: reloading log_level, SP metadata, SP metadata sources and OpenID "
               "clients; restart careidd to apply other configuration changes");

  Result<Config> config = load_config(config_path);
  if (!config.ok()) {
    logger->error("reload failed, keeping the running configuration: {}", config.status().to_string());
    return;
  }

  if (log::set_level(config->log_level)) {
    logger->info("reload: log_level is {}", config->log_level);
  } else {
    logger->error("reload: log_level '{}' is not one of trace, debug, info, warn, error, off; keeping the old level",
                  config->log_level);
  }

  Status sps = idp.reload_service_providers();
  if (sps.ok()) {
    logger->info("reload: {} service providers from {}", idp.service_provider_count(),
                 running.saml.sp_metadata_dir.string());
  } else {
    logger->error("reload: keeping the old service providers: {}", sps.to_string());
  }

  if (metadata_sources != nullptr) {
    metadata_sources->request_refresh_all();
  }

  if (openid == nullptr) {
    return;
  }
  const std::filesystem::path& clients_dir = running.oidc.clients_dir;
  Result<federation::oidc::ClientRegistry> clients = federation::oidc::ClientRegistry::load(clients_dir);
  if (!clients.ok()) {
    logger->error("reload: keeping the old OpenID clients: {}", clients.status().to_string());
    return;
  }
  const std::size_t count = clients->size();
  openid->replace_clients(std::move(*clients));
  logger->info("reload: {} OpenID clients from {}", count, clients_dir.string());
}

}  // namespace careid::daemon
