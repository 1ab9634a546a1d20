#include "federation/oidc/setup.h"

#include <filesystem>

namespace careid::federation::oidc {

Result<std::unique_ptr<Provider>> create_provider(const Config& config, IdentitySource& source,
                                                  audit::Sink& audit) {
  const OidcConfig& oidc = config.oidc;
  std::error_code error;
  if (oidc.signing_keys.empty() || !std::filesystem::exists(oidc.signing_keys.front(), error)) {
    return std::unique_ptr<Provider>();
  }

  std::vector<pki::PrivateKey> keys;
  for (const std::filesystem::path& path : oidc.signing_keys) {
    Result<pki::PrivateKey> key = pki::PrivateKey::load_pem_file(path);
    if (!key.ok()) {
      return key.status();
    }
    keys.push_back(std::move(*key));
  }
  Result<KeySet> key_set = KeySet::create(std::move(keys));
  if (!key_set.ok()) {
    return key_set.status().with_context("oidc.signing_keys");
  }
  Result<ClientRegistry> clients = ClientRegistry::load(oidc.clients_dir);
  if (!clients.ok()) {
    return clients.status();
  }
  Result<sso::PersistentIdGenerator> ids =
      sso::PersistentIdGenerator::load_or_create(config.saml.persistent_id_secret);
  if (!ids.ok()) {
    return ids.status();
  }

  ProviderSettings settings;
  settings.issuer = oidc.issuer.empty() ? config.public_url() : oidc.issuer;
  while (!settings.issuer.empty() && settings.issuer.back() == '/') {
    settings.issuer.pop_back();
  }
  settings.code_lifetime = std::chrono::seconds(oidc.code_lifetime_seconds);
  settings.access_token_lifetime = std::chrono::seconds(oidc.access_token_lifetime_seconds);
  settings.id_token_lifetime = std::chrono::seconds(oidc.id_token_lifetime_seconds);
  settings.max_codes = oidc.max_codes;
  settings.max_token_families = oidc.max_token_families;
  settings.max_assertion_ids = oidc.max_assertion_ids;
  Result<sso::CardMapping> card_mapping = sso::card_mapping_from_config(config.card_login);
  if (!card_mapping.ok()) {
    return card_mapping.status();
  }
  settings.card_mapping = *card_mapping;
  return std::make_unique<Provider>(std::move(settings), std::move(*key_set), std::move(*clients),
                                    source, std::move(*ids), std::chrono::system_clock::now, audit);
}

}  // namespace careid::federation::oidc
