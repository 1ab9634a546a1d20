#include "federation/saml/service_provider.h"

#include <catch2/catch.hpp>

#include "federation/saml/saml_names.h"
#include "tests/federation/saml/saml_test_support.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

careid::Result<saml::ServiceProvider> parse(const std::string& text) {
  auto doc = xml::Document::parse(text);
  REQUIRE(doc.ok());
  return saml::ServiceProviderRegistry::parse_metadata(*doc, "test.xml");
}

std::string metadata_with_acs(const std::string& endpoints) {
  return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"sp\">"
         "<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol "
         "urn:oasis:names:tc:SAML:2.0:protocol\">" + endpoints +
         "</md:SPSSODescriptor></md:EntityDescriptor>";
}

std::string post_acs(const std::string& location, int index, const std::string& extra = "") {
  return "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "Location=\"" + location + "\" index=\"" + std::to_string(index) + "\"" + extra + "/>";
}

}  // namespace

TEST_CASE("metadata reads endpoints and keys", "[federation][saml]") {
  auto sp = parse(sp_metadata_xml(kSpEntityId, "QUJDRA=="));
  REQUIRE(sp.ok());
  CHECK(sp->entity_id == kSpEntityId);
  REQUIRE(sp->assertion_consumer_services.size() == 3);
  CHECK(sp->default_post_acs()->location == kSpAcsUrl);
  CHECK(sp->find_post_acs(kSpSecondAcsUrl)->index == 2);
  CHECK(sp->find_post_acs("https://127.0.0.1:8444/mellon/artifactResponse") == nullptr);
  CHECK(sp->find_acs_by_index(0)->binding != saml::kHttpPostBinding);
  CHECK(sp->signing_certificates.size() == 2);
  CHECK(sp->encryption_certificates.size() == 1);
  CHECK(sp->signing_certificates[0] == "QUJDRA==");
  CHECK(sp->want_assertions_signed);
  CHECK(!sp->authn_requests_signed);
}

TEST_CASE("default ACS follows metadata rules", "[federation][saml]") {
  auto unmarked = parse(metadata_with_acs(post_acs("https://a", 1, " isDefault=\"false\"") +
                                          post_acs("https://b", 2) + post_acs("https://c", 3)));
  REQUIRE(unmarked.ok());
  CHECK(unmarked->default_post_acs()->location == "https://b");

  auto marked = parse(metadata_with_acs(post_acs("https://a", 1) +
                                        post_acs("https://b", 2, " isDefault=\"true\"")));
  REQUIRE(marked.ok());
  CHECK(marked->default_post_acs()->location == "https://b");

  auto all_false = parse(metadata_with_acs(post_acs("https://a", 1, " isDefault=\"false\"") +
                                           post_acs("https://b", 2, " isDefault=\"false\"")));
  REQUIRE(all_false.ok());
  CHECK(all_false->default_post_acs()->location == "https://a");
}

TEST_CASE("invalid metadata rejected with file", "[federation][saml]") {
  const std::pair<const char*, std::string> cases[] = {
      {"wrong root", "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"},
      {"no entityID", "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">"
                      "<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">" +
                          post_acs("https://a", 1) + "</md:SPSSODescriptor></md:EntityDescriptor>"},
      {"no POST ACS", metadata_with_acs("")},
      {"no index", metadata_with_acs("<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:"
                                     "SAML:2.0:bindings:HTTP-POST\" Location=\"https://a\"/>")},
      {"SAML 1 only", "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"sp\">"
                      "<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol\">" +
                          post_acs("https://a", 1) + "</md:SPSSODescriptor></md:EntityDescriptor>"},
  };
  for (const auto& [name, text] : cases) {
    INFO(name);
    auto sp = parse(text);
    REQUIRE(!sp.ok());
    CHECK(sp.status().code() == StatusCode::kInvalidArgument);
    CHECK(sp.status().message().find("test.xml") != std::string::npos);
  }
}

TEST_CASE("registry rejects duplicate entityID", "[federation][saml]") {
  TempDir dir;
  write_text(dir / "a.xml", sp_metadata_xml(kSpEntityId, "QUJDRA=="));
  auto registry = saml::ServiceProviderRegistry::load_directory(dir.path());
  REQUIRE(registry.ok());
  CHECK(registry->size() == 1);
  CHECK(registry->find(kSpEntityId) != nullptr);
  CHECK(registry->find("other") == nullptr);

  write_text(dir / "b.xml", sp_metadata_xml(kSpEntityId, "QUJDRA=="));
  auto duplicate = saml::ServiceProviderRegistry::load_directory(dir.path());
  REQUIRE(!duplicate.ok());
  CHECK(duplicate.status().code() == StatusCode::kAlreadyExists);
  CHECK(duplicate.status().message().find("b.xml") != std::string::npos);

  auto missing = saml::ServiceProviderRegistry::load_directory(dir / "missing");
  CHECK(missing.status().code() == StatusCode::kIoError);
}
