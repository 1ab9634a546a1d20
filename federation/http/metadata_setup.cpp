#include "federation/http/metadata_setup.h"

#include "federation/http/url_fetch.h"

namespace careid::federation::http {

Result<std::unique_ptr<saml::MetadataRefresher>> create_metadata_refresher(
    const Config& config, saml::IdentityProvider& idp) {
  if (config.saml.metadata_sources.empty()) {
    return std::unique_ptr<saml::MetadataRefresher>();
  }

  std::vector<std::unique_ptr<saml::MetadataSource>> sources;
  for (const MetadataSourceConfig& source : config.saml.metadata_sources) {
    saml::MetadataSourceSettings settings;
    settings.name = source.name;
    settings.url = source.url;
    settings.refresh_interval = std::chrono::seconds(source.refresh_interval_seconds);
    settings.max_cache_age = std::chrono::seconds(source.max_cache_age_seconds);
    settings.max_bytes = source.max_bytes;
    settings.cache_file = config.saml.metadata_cache_dir / (source.name + ".xml");
    for (const auto& file : source.signing_certificates) {
      auto key = xml::VerificationKey::load_certificate_file(file);
      if (!key.ok()) {
        return key.status().with_context("saml.metadata_sources " + source.name +
                                         " signing certificate " + file.string());
      }
      settings.signing_keys.push_back(std::move(key).value());
    }

    FetchOptions options;
    options.timeout = std::chrono::seconds(source.timeout_seconds);
    options.max_body_bytes = source.max_bytes;
    options.ca_file = source.ca_file;
    auto fetcher = [options](const std::string& url) { return fetch_url(url, options); };
    sources.push_back(std::make_unique<saml::MetadataSource>(std::move(settings), fetcher, nullptr));
  }
  return std::make_unique<saml::MetadataRefresher>(std::move(sources), idp);
}

}  // namespace careid::federation::http
