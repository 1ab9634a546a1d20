#include "federation/saml/identity_provider.h"

#include <array>
#include <mutex>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/metrics.h"
#include "base/reloadable.h"
#include "federation/saml/artifact.h"
#include "federation/saml/authn_request.h"
#include "federation/saml/idp_logout.h"
#include "federation/saml/idp_metadata.h"
#include "federation/saml/logout.h"
#include "federation/saml/post_binding.h"
#include "federation/saml/post_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/service_provider.h"
#include "pki/certificate.h"
#include "pki/encoding.h"
#include "xml/signature.h"

namespace careid::federation::saml {
namespace {

// A message that could not be decoded has no known SP, so the user sees the error.
RequestError transport_error(const Status& status) {
  return RequestError{status.message(), std::string(kStatusRequester), "", "", "", "", "", ""};
}

// True when the base64 DER certificate contains an RSA key, the only kind that careid's
// RSA-OAEP key transport can encrypt to.
bool has_rsa_key(const std::string& certificate_base64) {
  auto der = pki::base64_decode(certificate_base64);
  if (!der.ok()) {
    return false;
  }
  auto certificate = pki::Certificate::from_der(*der);
  if (!certificate.ok()) {
    return false;
  }
  auto info = certificate->info();
  return info.ok() && info->key_type.rfind("rsa-", 0) == 0;
}

// The certificate that turns encryption on by default: the first from a KeyDescriptor with
// use="encryption", else the first RSA one without `use`, which SAML Metadata 2.4.1.1 makes
// good for signing and encryption. An SP that lists only EC keys without `use` gets plain
// assertions, as before, because careid cannot encrypt to an EC key.
std::optional<std::string> default_encryption_certificate(const ServiceProvider& sp) {
  if (sp.declared_encryption_certificates > 0) {
    return sp.encryption_certificates.front();
  }
  for (const std::string& certificate : sp.encryption_certificates) {
    if (has_rsa_key(certificate)) {
      return certificate;
    }
  }
  return std::nullopt;
}

class IdentityProviderImpl final : public IdentityProvider {
 public:
  IdentityProviderImpl(IdpSettings settings, xml::SigningKey key, pki::PrivateKey query_key,
                       ServiceProviderRegistry sps, std::string metadata)
      : settings_(std::move(settings)),
        key_(std::move(key)),
        query_key_(std::move(query_key)),
        folder_providers_(sps),
        service_providers_(std::move(sps)),
        metadata_(std::move(metadata)),
        artifact_store_(settings_.artifact_limits) {
    metrics_registration_ =
        metrics::registry().add([this](metrics::Exposition& out) { collect_metrics(out); });
  }

  Result<AuthnRequest, RequestError> decode_redirect_request(std::string_view query) const override {
    auto message = decode_redirect_query(query);
    if (!message.ok()) {
      return transport_error(message.status());
    }
    return check_authn_request(*message, request_context());
  }

  Result<AuthnRequest, RequestError> decode_post_request(
      std::string_view form_body) const override {
    auto message = decode_post_form(form_body);
    if (!message.ok()) {
      return transport_error(message.status());
    }
    return check_authn_request(*message, request_context());
  }

  Result<LogoutRequest, RequestError> decode_logout_redirect(
      std::string_view query) const override {
    if (settings_.slo_url.empty()) {
      return transport_error(Status::unimplemented("Single Logout is not configured"));
    }
    auto message = decode_redirect_query(query);
    if (!message.ok()) {
      return transport_error(message.status());
    }
    return check_logout_request(*message, logout_context());
  }

  Result<LogoutRequest, RequestError> decode_logout_post(
      std::string_view form_body) const override {
    if (settings_.slo_url.empty()) {
      return transport_error(Status::unimplemented("Single Logout is not configured"));
    }
    auto message = decode_post_form(form_body);
    if (!message.ok()) {
      return transport_error(message.status());
    }
    return check_logout_request(*message, logout_context());
  }

  Result<LogoutReply> build_logout_response(const LogoutRequest& request,
                                            bool partial) const override {
    const ServiceProvider* sp = service_providers_.get().find(request.issuer);
    if (sp == nullptr) {
      return Status::invalid_argument("service provider " + request.issuer + " is not registered");
    }
    LogoutResponseContext context{settings_.entity_id, now(), &key_, &query_key_};
    return saml::build_logout_response(context, *sp, request, partial);
  }

  Result<OutgoingLogoutRequest> build_logout_request(const LogoutTarget& target) const override {
    const ServiceProvider* sp = service_providers_.get().find(target.sp_entity_id);
    if (sp == nullptr) {
      return Status::invalid_argument("service provider " + target.sp_entity_id +
                                      " is not registered");
    }
    LogoutResponseContext context{settings_.entity_id, now(), &key_, &query_key_};
    return saml::build_logout_request(context, *sp, target);
  }

  Result<LogoutResult> decode_logout_response(bool post_binding,
                                              std::string_view message) const override {
    if (settings_.slo_url.empty()) {
      return Status::unimplemented("Single Logout is not configured");
    }
    if (post_binding) {
      auto form = decode_post_form(message);
      if (!form.ok()) {
        return form.status();
      }
      return check_logout_response(*form, logout_context());
    }
    auto query = decode_redirect_query(message);
    if (!query.ok()) {
      return query.status();
    }
    return check_logout_response(*query, logout_context());
  }

  bool supports_single_logout(std::string_view sp_entity_id) const override {
    const ServiceProvider* sp = service_providers_.get().find(sp_entity_id);
    return sp != nullptr && sp->logout_endpoint() != nullptr;
  }

  Result<std::string> build_post_response_page(const AuthnRequest& request,
                                               const Subject& subject) const override {
    auto xml = build_response_xml(request, subject);
    if (!xml.ok()) {
      return xml.status();
    }
    if (request.acs_binding == kHttpArtifactBinding) {
      return issue_artifact(request.issuer, request.acs_url, std::move(*xml), request.relay_state);
    }
    return build_post_page(request.acs_url, *xml, request.relay_state);
  }

  Result<std::string> build_response_xml(const AuthnRequest& request,
                                         const Subject& subject) const override {
    // The assertion goes exactly to request.acs_url, so it is checked again here in case the
    // request did not come from decode_redirect_request.
    const ServiceProvider* sp = service_providers_.get().find(request.issuer);
    if (sp == nullptr || !is_usable_acs(*sp, request.acs_binding, request.acs_url)) {
      return Status::invalid_argument("service provider " + request.issuer +
                                      " or its ACS URL is not registered");
    }
    auto encryption_key = encryption_key_for(*sp);
    if (!encryption_key.ok()) {
      return encryption_key.status();
    }
    ResponseContext context = response_context();
    context.encryption_key = encryption_key->has_value() ? &**encryption_key : nullptr;
    return build_success_response(context, request, subject);
  }

  Result<std::string> build_error_page(const RequestError& error) const override {
    auto xml = build_error_response_xml(error);
    if (!xml.ok()) {
      return xml.status();
    }
    if (error.acs_binding == kHttpArtifactBinding) {
      return issue_artifact(error.sp_entity_id, error.acs_url, std::move(*xml), error.relay_state);
    }
    return build_post_page(error.acs_url, *xml, error.relay_state);
  }

  Result<std::string> build_error_response_xml(const RequestError& error) const override {
    const ServiceProvider* sp = service_providers_.get().find(error.sp_entity_id);
    std::string_view binding = error.acs_binding.empty() ? kHttpPostBinding : error.acs_binding;
    if (sp == nullptr || !is_usable_acs(*sp, binding, error.acs_url)) {
      return Status::invalid_argument("no registered ACS URL to send the error Response to");
    }
    return build_error_response(response_context(), error);
  }

  SoapReply resolve_artifact(std::string_view soap_body, std::string_view client_certificate_der,
                             std::string_view client) const override {
    if (settings_.artifact_resolution_url.empty()) {
      return SoapReply{500, "", ArtifactResolveOutcome::kFault};
    }
    ArtifactResolveContext context{service_providers_.get(),
                                   settings_.entity_id,
                                   settings_.artifact_resolution_url,
                                   now(),
                                   &key_,
                                   &replay_cache_,
                                   &artifact_store_,
                                   &settings_.artifact_tls_client_auth,
                                   client_certificate_der,
                                   client};
    SoapReply reply = saml::resolve_artifact(soap_body, context);
    resolutions_[static_cast<std::size_t>(reply.outcome)].increment();
    return reply;
  }

  std::string metadata_xml() const override { return metadata_; }

  std::size_t service_provider_count() const override { return service_providers_.get().size(); }

  Status reload_service_providers() override {
    auto sps = ServiceProviderRegistry::load_directory(settings_.sp_metadata_dir);
    if (!sps.ok()) {
      return sps.status();
    }
    std::lock_guard lock(registry_mutex_);
    folder_providers_ = std::move(*sps);
    publish_registry();
    return Status::ok_status();
  }

  Result<std::size_t> set_source_service_providers(std::vector<ServiceProvider> sps) override {
    std::lock_guard lock(registry_mutex_);
    source_providers_ = std::move(sps);
    return publish_registry();
  }

 private:
  // Combines the folder's SPs with the sources' SPs and publishes the result. Returns how
  // many source SPs it registered. The caller holds registry_mutex_.
  std::size_t publish_registry() {
    ServiceProviderRegistry combined = folder_providers_;
    std::size_t registered = 0;
    for (const ServiceProvider& sp : source_providers_) {
      Status added = combined.add(sp);
      if (added.ok()) {
        ++registered;
      } else {
        log::get("federation")->warn("saml metadata source SP left out: {}", added.message());
      }
    }
    service_providers_.replace(std::move(combined));
    return registered;
  }

  // True when `location` is an ACS of `sp` with `binding`, and that binding is on.
  bool is_usable_acs(const ServiceProvider& sp, std::string_view binding,
                     std::string_view location) const {
    bool enabled = binding == kHttpPostBinding ||
                   (binding == kHttpArtifactBinding && !settings_.artifact_resolution_url.empty());
    return enabled && sp.find_acs(binding, location) != nullptr;
  }

  // Keeps `response_xml` for `sp_entity_id` under a new artifact and returns the page that
  // POSTs the artifact to `acs_url` (SAML Bindings 3.6).
  Result<std::string> issue_artifact(const std::string& sp_entity_id, const std::string& acs_url,
                                     std::string response_xml,
                                     const std::string& relay_state) const {
    auto artifact = new_artifact(settings_.entity_id, kArtifactResolutionIndex);
    if (!artifact.ok()) {
      return artifact.status();
    }
    Status stored =
        artifact_store_.put(artifact->message_handle, sp_entity_id, std::move(response_xml), now());
    if (!stored.ok()) {
      return stored.with_context("keeping the Response for an artifact to " + sp_entity_id);
    }
    artifacts_issued_.increment();
    log::get("federation")->debug("saml artifact issued sp={} unresolved={}", sp_entity_id,
                                  artifact_store_.size());
    return build_artifact_page(acs_url, encode_artifact(*artifact), relay_state);
  }

  void collect_metrics(metrics::Exposition& out) const {
    out.family("careid_saml_artifacts_issued_total",
               "SAML Responses kept for the HTTP-Artifact binding.", metrics::MetricType::kCounter);
    out.sample("careid_saml_artifacts_issued_total", {},
               static_cast<double>(artifacts_issued_.value()));
    out.family("careid_saml_artifact_resolutions_total",
               "ArtifactResolve requests by outcome.", metrics::MetricType::kCounter);
    constexpr const char* kOutcomes[] = {"resolved", "no_message", "rejected", "fault"};
    for (std::size_t i = 0; i < resolutions_.size(); ++i) {
      out.sample("careid_saml_artifact_resolutions_total", {{"outcome", kOutcomes[i]}},
                 static_cast<double>(resolutions_[i].value()));
    }
    out.family("careid_saml_artifacts_unresolved", "Responses waiting for an ArtifactResolve.",
               metrics::MetricType::kGauge);
    out.sample("careid_saml_artifacts_unresolved", {},
               static_cast<double>(artifact_store_.size()));
  }

  std::chrono::system_clock::time_point now() const {
    return settings_.clock ? settings_.clock() : std::chrono::system_clock::now();
  }

  // The key to encrypt assertions to `sp` with, or nullopt for none, as the SP's policy in
  // settings_.assertion_encryption and its metadata decide. By default the SP's
  // default_encryption_certificate turns encryption on. kRequired takes the first encryption
  // certificate of any kind, and fails when there is none.
  Result<std::optional<xml::VerificationKey>> encryption_key_for(const ServiceProvider& sp) const {
    auto policy = settings_.assertion_encryption.find(sp.entity_id);
    AssertionEncryption encryption = policy == settings_.assertion_encryption.end()
                                         ? AssertionEncryption::kWhenKeyPresent
                                         : policy->second;
    if (encryption == AssertionEncryption::kNever) {
      return std::optional<xml::VerificationKey>();
    }

    std::optional<std::string> certificate;
    if (encryption == AssertionEncryption::kWhenKeyPresent) {
      certificate = default_encryption_certificate(sp);
      if (!certificate.has_value()) {
        return std::optional<xml::VerificationKey>();
      }
    } else if (!sp.encryption_certificates.empty()) {
      certificate = sp.encryption_certificates.front();
    } else {
      return Status::failed_precondition("assertions to " + sp.entity_id +
                                         " must be encrypted, but its metadata has no "
                                         "KeyDescriptor for encryption");
    }

    auto key = xml::VerificationKey::from_certificate(*certificate);
    if (!key.ok()) {
      return key.status().with_context("encryption certificate of " + sp.entity_id);
    }
    return std::optional<xml::VerificationKey>(std::move(key).value());
  }

  AuthnRequestContext request_context() const {
    return AuthnRequestContext{service_providers_.get(), settings_.sso_url, now(),
                               settings_.require_signed_requests, &replay_cache_,
                               !settings_.artifact_resolution_url.empty()};
  }

  LogoutCheckContext logout_context() const {
    return LogoutCheckContext{service_providers_.get(), settings_.slo_url, now(), &replay_cache_};
  }

  ResponseContext response_context() const {
    return ResponseContext{settings_.entity_id, now(), settings_.assertion_lifetime, &key_,
                           settings_.sign_response};
  }

  IdpSettings settings_;
  xml::SigningKey key_;
  // The same private key, for signatures over HTTP-Redirect query strings.
  pki::PrivateKey query_key_;
  // The folder's SPs and the metadata sources' SPs, combined into service_providers_.
  std::mutex registry_mutex_;
  ServiceProviderRegistry folder_providers_;
  std::vector<ServiceProvider> source_providers_;
  // Replaced by reload_service_providers() and set_source_service_providers(); a request in
  // progress keeps the registry it read.
  Reloadable<ServiceProviderRegistry> service_providers_;
  std::string metadata_;
  // Internally synchronised, so the const methods may record request IDs.
  mutable ReplayCache replay_cache_;
  // Internally synchronised, like the counters.
  mutable ArtifactStore artifact_store_;
  mutable metrics::Counter artifacts_issued_;
  // By ArtifactResolveOutcome.
  mutable std::array<metrics::Counter, 4> resolutions_;
  // Declared last, so that it is removed before the members that collect_metrics reads.
  metrics::Registry::Registration metrics_registration_;
};

// Reads each PEM certificate of `files` as base64 DER, for the IdP metadata.
Result<std::vector<std::string>> load_additional_certificates(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> certificates;
  for (const std::filesystem::path& file : files) {
    auto certificate = pki::Certificate::load_file(file);
    if (!certificate.ok()) {
      return certificate.status().with_context("SAML additional signing certificate " + file.string());
    }
    auto der = certificate->to_der();
    if (!der.ok()) {
      return der.status().with_context("SAML additional signing certificate " + file.string());
    }
    certificates.push_back(pki::base64_encode(*der));
  }
  return certificates;
}

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
  auto query_key = pki::PrivateKey::load_pem_file(settings.signing_key);
  if (!query_key.ok()) {
    return query_key.status().with_context("SAML signing key");
  }
  auto sps = ServiceProviderRegistry::load_directory(settings.sp_metadata_dir);
  if (!sps.ok()) {
    return sps.status();
  }
  auto additional_certificates = load_additional_certificates(settings.additional_signing_certificates);
  if (!additional_certificates.ok()) {
    return additional_certificates.status();
  }
  auto metadata = build_signed_idp_metadata(settings.entity_id, settings.sso_url, *key,
                                            settings.slo_url, *additional_certificates,
                                            settings.artifact_resolution_url);
  if (!metadata.ok()) {
    return metadata.status();
  }

  log::get("federation")
      ->info("saml idp loaded entity_id={} service_providers={} key_type={} sign_response={} "
             "require_signed_requests={} single_logout={} additional_signing_certificates={} "
             "artifact_binding={}",
             settings.entity_id, sps->size(),
             key->type() == xml::KeyType::kRsa ? "rsa" : "ecdsa", settings.sign_response,
             settings.require_signed_requests, !settings.slo_url.empty(),
             additional_certificates->size(), !settings.artifact_resolution_url.empty());
  std::unique_ptr<IdentityProvider> idp = std::make_unique<IdentityProviderImpl>(
      settings, std::move(key).value(), std::move(query_key).value(), std::move(sps).value(),
      std::move(metadata).value());
  return idp;
}

}  // namespace careid::federation::saml
