// The service providers careid issues assertions to, read from SAML 2.0 metadata
// (SAML Metadata 2.3.2 EntityDescriptor, 2.4.4 SPSSODescriptor), one file per SP.
//
// The registry is built once at start-up and is immutable afterwards, so it may be read
// from several threads at once. Pointers it returns stay valid as long as it lives.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "xml/document.h"

namespace careid::federation::saml {

// An AssertionConsumerService endpoint (SAML Metadata 2.2.3, IndexedEndpointType).
struct AssertionConsumerService {
  std::string location;
  std::string binding;
  int index = 0;
  bool is_default = false;
  bool is_default_given = false;  // isDefault was present (true or false)
};

// A SingleLogoutService endpoint (SAML Metadata 2.2.2, EndpointType). Responses go to
// ResponseLocation when it is set, else to Location.
struct LogoutEndpoint {
  std::string binding;
  std::string location;
  std::string response_location;
};

struct ServiceProvider {
  std::string entity_id;
  std::vector<AssertionConsumerService> assertion_consumer_services;
  // Base64 DER certificates from KeyDescriptor; one without `use` counts for both.
  std::vector<std::string> signing_certificates;
  // Those from KeyDescriptors with use="encryption" come first; their count is below.
  std::vector<std::string> encryption_certificates;
  // Number of certificates from KeyDescriptors with use="encryption". The IdP prefers them
  // to certificates without `use` when it encrypts assertions.
  std::size_t declared_encryption_certificates = 0;
  std::vector<LogoutEndpoint> single_logout_services;
  bool authn_requests_signed = false;
  bool want_assertions_signed = false;
  std::filesystem::path metadata_file;

  // The endpoint with binding HTTP-POST and exactly this Location, or nullptr.
  const AssertionConsumerService* find_post_acs(std::string_view location) const;
  // The endpoint with this binding and exactly this Location, or nullptr.
  const AssertionConsumerService* find_acs(std::string_view binding,
                                           std::string_view location) const;
  // The endpoint with this index, or nullptr. The binding is not checked.
  const AssertionConsumerService* find_acs_by_index(int index) const;
  // The default HTTP-POST endpoint by SAML Metadata 2.2.3: the first with isDefault="true",
  // else the first without isDefault="false", else the first; nullptr if none uses HTTP-POST.
  const AssertionConsumerService* default_post_acs() const;
  // The default endpoint with `binding`, chosen as default_post_acs() chooses; nullptr if
  // none uses that binding.
  const AssertionConsumerService* default_acs(std::string_view binding) const;
  // The SingleLogoutService careid sends logout messages to: the first with HTTP-Redirect,
  // else the first with HTTP-POST; nullptr if none has either binding.
  const LogoutEndpoint* logout_endpoint() const;
};

class ServiceProviderRegistry {
 public:
  // Reads every *.xml file in `dir` (not recursive, in name order). A file that does not
  // parse, is not an EntityDescriptor with an SPSSODescriptor supporting SAML 2.0, has no
  // AssertionConsumerService with the HTTP-POST or HTTP-Artifact binding, or repeats another file's entityID is an error
  // whose message names the file. A missing or unreadable folder is kIoError.
  static Result<ServiceProviderRegistry> load_directory(const std::filesystem::path& dir);

  // Parses one metadata document; `file` is only recorded and used in messages.
  static Result<ServiceProvider> parse_metadata(const xml::Document& doc,
                                                const std::filesystem::path& file);

  // Parses one md:EntityDescriptor element, which may sit inside an md:EntitiesDescriptor.
  // The errors are those of parse_metadata.
  static Result<ServiceProvider> parse_entity(xml::Element entity,
                                              const std::filesystem::path& file);

  // Adds `sp`; kAlreadyExists if its entityID is registered.
  Status add(ServiceProvider sp);

  // The SP with this entityID (compared exactly), or nullptr.
  const ServiceProvider* find(std::string_view entity_id) const;
  std::size_t size() const { return providers_.size(); }

  // Every registered SP, by entityID.
  const std::map<std::string, ServiceProvider, std::less<>>& providers() const {
    return providers_;
  }

 private:
  std::map<std::string, ServiceProvider, std::less<>> providers_;
};

}  // namespace careid::federation::saml
