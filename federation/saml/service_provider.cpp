#include "federation/saml/service_provider.h"

#include <algorithm>

#include "federation/saml/saml_names.h"

namespace careid::federation::saml {
namespace {

constexpr std::string_view kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

// Trims the XML whitespace around element text such as entity IDs and certificates.
std::string trimmed(std::string text) {
  const char* space = " \t\r\n";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(space);
  return text.substr(begin, end - begin + 1);
}

bool is_true(const std::optional<std::string>& value) {
  return value.has_value() && (*value == "true" || *value == "1");
}

Result<AssertionConsumerService> parse_acs(xml::Element element) {
  AssertionConsumerService acs;
  acs.location = element.attribute("Location").value_or("");
  acs.binding = element.attribute("Binding").value_or("");
  if (acs.location.empty() || acs.binding.empty()) {
    return Status::invalid_argument("AssertionConsumerService without Location or Binding");
  }

  std::string index = element.attribute("index").value_or("");
  if (index.empty() || index.size() > 5 ||
      !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::invalid_argument("AssertionConsumerService with a missing or invalid index");
  }
  acs.index = std::stoi(index);

  auto is_default = element.attribute("isDefault");
  acs.is_default_given = is_default.has_value();
  acs.is_default = is_true(is_default);
  return acs;
}

// Reads KeyDescriptor/KeyInfo/X509Data/X509Certificate; a KeyDescriptor without `use` is
// for both signing and encryption (SAML Metadata 2.4.1.1).
void read_key_descriptors(xml::Element descriptor, ServiceProvider& sp) {
  for (xml::Element key : descriptor.children(kMetadataNs, "KeyDescriptor")) {
    std::string use = key.attribute("use").value_or("");
    xml::Element key_info = key.first_child(kDsigNs, "KeyInfo");
    for (xml::Element data : key_info.children(kDsigNs, "X509Data")) {
      for (xml::Element certificate : data.children(kDsigNs, "X509Certificate")) {
        std::string text = certificate.text();
        text.erase(std::remove_if(text.begin(), text.end(),
                                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }),
                   text.end());
        if (use.empty() || use == "signing") {
          sp.signing_certificates.push_back(text);
        }
        if (use == "encryption") {
          // Before the certificates without `use`, because the first one is used.
          sp.encryption_certificates.insert(
              sp.encryption_certificates.begin() + sp.declared_encryption_certificates, text);
          ++sp.declared_encryption_certificates;
        } else if (use.empty()) {
          sp.encryption_certificates.push_back(text);
        }
      }
    }
  }
}

// Returns the SPSSODescriptor whose protocolSupportEnumeration lists SAML 2.0.
xml::Element find_sp_descriptor(xml::Element entity) {
  for (xml::Element descriptor : entity.children(kMetadataNs, "SPSSODescriptor")) {
    std::string protocols = " " + descriptor.attribute("protocolSupportEnumeration").value_or("") + " ";
    for (char& c : protocols) {
      if (c == '\t' || c == '\r' || c == '\n') {
        c = ' ';
      }
    }
    if (protocols.find(" " + std::string(kProtocolNs) + " ") != std::string::npos) {
      return descriptor;
    }
  }
  return xml::Element();
}

}  // namespace

const AssertionConsumerService* ServiceProvider::find_post_acs(std::string_view location) const {
  return find_acs(kHttpPostBinding, location);
}

const AssertionConsumerService* ServiceProvider::find_acs(std::string_view binding,
                                                          std::string_view location) const {
  for (const auto& acs : assertion_consumer_services) {
    if (acs.binding == binding && acs.location == location) {
      return &acs;
    }
  }
  return nullptr;
}

const AssertionConsumerService* ServiceProvider::find_acs_by_index(int index) const {
  for (const auto& acs : assertion_consumer_services) {
    if (acs.index == index) {
      return &acs;
    }
  }
  return nullptr;
}

const AssertionConsumerService* ServiceProvider::default_post_acs() const {
  return default_acs(kHttpPostBinding);
}

const AssertionConsumerService* ServiceProvider::default_acs(std::string_view binding) const {
  const AssertionConsumerService* first = nullptr;
  const AssertionConsumerService* first_unmarked = nullptr;
  for (const auto& acs : assertion_consumer_services) {
    if (acs.binding != binding) {
      continue;
    }
    if (acs.is_default) {
      return &acs;
    }
    if (first_unmarked == nullptr && !acs.is_default_given) {
      first_unmarked = &acs;
    }
    if (first == nullptr) {
      first = &acs;
    }
  }
  return first_unmarked != nullptr ? first_unmarked : first;
}

const LogoutEndpoint* ServiceProvider::logout_endpoint() const {
  for (std::string_view binding : {kHttpRedirectBinding, kHttpPostBinding}) {
    for (const auto& endpoint : single_logout_services) {
      if (endpoint.binding == binding) {
        return &endpoint;
      }
    }
  }
  return nullptr;
}

Result<ServiceProvider> ServiceProviderRegistry::parse_metadata(const xml::Document& doc,
                                                                const std::filesystem::path& file) {
  return parse_entity(doc.root(), file);
}

Result<ServiceProvider> ServiceProviderRegistry::parse_entity(xml::Element entity,
                                                              const std::filesystem::path& file) {
  auto fail = [&](const std::string& message) {
    return Status::invalid_argument("SP metadata " + file.string() + ": " + message);
  };
  if (!entity.is(kMetadataNs, "EntityDescriptor")) {
    return fail("the root element is not md:EntityDescriptor");
  }

  ServiceProvider sp;
  sp.metadata_file = file;
  sp.entity_id = trimmed(entity.attribute("entityID").value_or(""));
  if (sp.entity_id.empty() || sp.entity_id.size() > 1024) {
    return fail("entityID is missing or longer than 1024 characters");
  }
  xml::Element descriptor = find_sp_descriptor(entity);
  if (descriptor.is_null()) {
    return fail("no SPSSODescriptor supporting " + std::string(kProtocolNs));
  }
  sp.authn_requests_signed = is_true(descriptor.attribute("AuthnRequestsSigned"));
  sp.want_assertions_signed = is_true(descriptor.attribute("WantAssertionsSigned"));

  for (xml::Element element : descriptor.children(kMetadataNs, "AssertionConsumerService")) {
    auto acs = parse_acs(element);
    if (!acs.ok()) {
      return fail(acs.status().message());
    }
    sp.assertion_consumer_services.push_back(std::move(acs).value());
  }
  for (xml::Element element : descriptor.children(kMetadataNs, "SingleLogoutService")) {
    LogoutEndpoint endpoint{element.attribute("Binding").value_or(""),
                            element.attribute("Location").value_or(""),
                            element.attribute("ResponseLocation").value_or("")};
    if (endpoint.binding.empty() || endpoint.location.empty()) {
      return fail("SingleLogoutService without Location or Binding");
    }
    // The URL becomes an HTTP Location header, where a control character could end the header.
    auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
    if (std::any_of(endpoint.location.begin(), endpoint.location.end(), is_control) ||
        std::any_of(endpoint.response_location.begin(), endpoint.response_location.end(),
                    is_control)) {
      return fail("SingleLogoutService Location " + endpoint.location.substr(0, 256) +
                  " contains a control character");
    }
    sp.single_logout_services.push_back(std::move(endpoint));
  }
  if (sp.default_post_acs() == nullptr && sp.default_acs(kHttpArtifactBinding) == nullptr) {
    return fail("no AssertionConsumerService with the HTTP-POST or HTTP-Artifact binding");
  }
  read_key_descriptors(descriptor, sp);
  return sp;
}

Result<ServiceProviderRegistry> ServiceProviderRegistry::load_directory(
    const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".xml" && it->is_regular_file()) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return Status::io_error("cannot read SP metadata folder " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());

  ServiceProviderRegistry registry;
  for (const auto& file : files) {
    auto doc = xml::Document::parse_file(file);
    if (!doc.ok()) {
      return doc.status().with_context("SP metadata");
    }
    auto sp = parse_metadata(*doc, file);
    if (!sp.ok()) {
      return sp.status();
    }
    Status added = registry.add(std::move(sp).value());
    if (!added.ok()) {
      return added.with_context("SP metadata " + file.string());
    }
  }
  return registry;
}

Status ServiceProviderRegistry::add(ServiceProvider sp) {
  auto [it, inserted] = providers_.try_emplace(sp.entity_id, std::move(sp));
  if (!inserted) {
    return Status::already_exists("entityID " + it->first + " is already registered from " +
                                  it->second.metadata_file.string());
  }
  return Status::ok_status();
}

const ServiceProvider* ServiceProviderRegistry::find(std::string_view entity_id) const {
  auto it = providers_.find(entity_id);
  return it == providers_.end() ? nullptr : &it->second;
}

}  // namespace careid::federation::saml
