#include "federation/saml/identity_provider.h"

#include "base/log.h"
#include "federation/saml/authn_request.h"
#include "federation/saml/idp_metadata.h"
#include "federation/saml/post_binding.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/service_provider.h"
#include "xml/signature.h"

namespace careid::federation::saml {
namespace {

class IdentityProviderImpl final : public IdentityProvider {
 public:
  IdentityProviderImpl(IdpSettings settings, xml::SigningKey key, ServiceProviderRegistry sps,
                       std::string metadata)
      : settings_(std::move(settings)),
        key_(std::move(key)),
        service_providers_(std::move(sps)),
        metadata_(std::move(metadata)) {}

  Result<AuthnRequest, RequestError> decode_redirect_request(std::string_view query) const override {
    auto message = decode_redirect_query(query);
    if (!message.ok()) {
      return RequestError{message.status().message(), std::string(kStatusRequester), "", "", "",
                          "", ""};
    }
    AuthnRequestContext context{service_providers_, settings_.sso_url, now(),
                                settings_.require_signed_requests, &replay_cache_};
    return check_authn_request(*message, context);
  }

  Result<std::string> build_post_response_page(const AuthnRequest& request,
                                               const Subject& subject) const override {
    auto xml = build_response_xml(request, subject);
    if (!xml.ok()) {
      return xml.status();
    }
    return build_post_page(request.acs_url, *xml, request.relay_state);
  }

  Result<std::string> build_response_xml(const AuthnRequest& request,
                                         const Subject& subject) const override {
    // The assertion goes exactly to request.acs_url, so it is checked again here in case the
    // request did not come from decode_redirect_request.
    const ServiceProvider* sp = service_providers_.find(request.issuer);
    if (sp == nullptr || sp->find_post_acs(request.acs_url) == nullptr) {
      return Status::invalid_argument("service provider " + request.issuer +
                                      " or its ACS URL is not registered");
    }
    return build_success_response(response_context(), request, subject);
  }

  Result<std::string> build_error_page(const RequestError& error) const override {
    auto xml = build_error_response_xml(error);
    if (!xml.ok()) {
      return xml.status();
    }
    return build_post_page(error.acs_url, *xml, error.relay_state);
  }

  Result<std::string> build_error_response_xml(const RequestError& error) const override {
    const ServiceProvider* sp = service_providers_.find(error.sp_entity_id);
    if (sp == nullptr || sp->find_post_acs(error.acs_url) == nullptr) {
      return Status::invalid_argument("no registered ACS URL to send the error Response to");
    }
    return build_error_response(response_context(), error);
  }

  std::string metadata_xml() const override { return metadata_; }

  std::size_t service_provider_count() const override { return service_providers_.size(); }

 private:
  std::chrono::system_clock::time_point now() const {
    return settings_.clock ? settings_.clock() : std::chrono::system_clock::now();
  }

  ResponseContext response_context() const {
    return ResponseContext{settings_.entity_id, now(), settings_.assertion_lifetime, &key_,
                           settings_.sign_response};
  }

  IdpSettings settings_;
  xml::SigningKey key_;
  ServiceProviderRegistry service_providers_;
  std::string metadata_;
  // Internally synchronised, so the const methods may record request IDs.
  mutable ReplayCache replay_cache_;
};

}  // namespace

Result<std::unique_ptr<IdentityProvider>> IdentityProvider::create(const IdpSettings& settings) {
  if (settings.entity_id.empty() || settings.sso_url.empty()) {
    return Status::invalid_argument("SAML entity ID and SSO URL must be set");
  }
  if (settings.assertion_lifetime <= std::chrono::seconds(0)) {
    return Status::invalid_argument("SAML assertion lifetime must be positive");
  }
  auto key = xml::SigningKey::load(settings.signing_key, settings.signing_certificate);
  if (!key.ok()) {
    return key.status().with_context("SAML signing key");
  }
  auto sps = ServiceProviderRegistry::load_directory(settings.sp_metadata_dir);
  if (!sps.ok()) {
    return sps.status();
  }
  auto metadata = build_signed_idp_metadata(settings.entity_id, settings.sso_url, *key);
  if (!metadata.ok()) {
    return metadata.status();
  }

  log::get("federation")
      ->info("saml idp loaded entity_id={} service_providers={} key_type={} sign_response={} "
             "require_signed_requests={}",
             settings.entity_id, sps->size(),
             key->type() == xml::KeyType::kRsa ? "rsa" : "ecdsa", settings.sign_response,
             settings.require_signed_requests);
  std::unique_ptr<IdentityProvider> idp = std::make_unique<IdentityProviderImpl>(
      settings, std::move(key).value(), std::move(sps).value(), std::move(metadata).value());
  return idp;
}

}  // namespace careid::federation::saml
