#include "federation/saml/identity_provider.h"

#include <catch2/catch.hpp>

#include "federation/saml/saml_names.h"
#include "tests/federation/saml/saml_test_support.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

saml::Subject test_subject() {
  saml::Subject subject;
  subject.name_id = "pseudonym-123";
  subject.authn_instant = fixed_now() - std::chrono::seconds(5);
  subject.attributes["uid"] = {"555000000001"};
  subject.attributes["cn"] = {"Dr Ann <Example> & Co"};
  subject.attributes["nhsJobRoleCode"] = {"S8000:G8000:R8000", "S8001:G8001:R8001"};
  return subject;
}

// Decodes a valid request. A test that decodes twice with one fixture passes a new `id`,
// because the IdP accepts each AuthnRequest ID once.
saml::AuthnRequest decoded_request(const IdpFixture& fixture, const std::string& relay = "",
                                   const std::string& id = "_a1b2c3d4e5f6") {
  AuthnRequestOptions options;
  options.id = id;
  auto request =
      fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options), relay));
  REQUIRE(request.ok());
  return *request;
}

// Decodes `query` and returns the error, failing the test if decoding succeeded.
saml::RequestError decode_error(const IdpFixture& fixture, const std::string& query) {
  auto request = fixture.idp->decode_redirect_request(query);
  REQUIRE(!request.ok());
  return request.error();
}

xml::Element find_assertion(const xml::Document& doc) {
  return doc.root().first_child(saml::kAssertionNs, "Assertion");
}

careid::Status verify_assertion(const std::string& response_xml, const TestKey& key) {
  auto doc = xml::Document::parse(response_xml);
  REQUIRE(doc.ok());
  auto certificate = xml::VerificationKey::load_certificate_file(key.certificate);
  REQUIRE(certificate.ok());
  return xml::verify_enveloped(*doc, find_assertion(*doc), *certificate);
}

int verify_with_xmlsec1(const TempDir& dir, const std::string& response_xml, const TestKey& key) {
  auto file = dir / "response.xml";
  write_text(file, response_xml);
  std::string command =
      "xmlsec1 --verify --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion "
      "--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response --pubkey-cert-pem '" +
      key.certificate.string() + "' '" + file.string() + "' >/dev/null 2>&1";
  return run_command(command);
}

}  // namespace

TEST_CASE("redirect request decodes", "[federation][saml]") {
  IdpFixture fixture;
  CHECK(fixture.idp->service_provider_count() == 1);
  auto request = decoded_request(fixture, "state/with?chars");
  CHECK(request.id == "_a1b2c3d4e5f6");
  CHECK(request.issuer == kSpEntityId);
  CHECK(request.acs_url == kSpAcsUrl);
  CHECK(request.name_id_format == saml::kNameIdPersistent);
  CHECK(request.relay_state == "state/with?chars");
}

TEST_CASE("request without ACS uses default", "[federation][saml]") {
  IdpFixture fixture;
  AuthnRequestOptions options;
  options.acs_attributes = "";
  options.name_id_format = "";
  auto request = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options)));
  REQUIRE(request.ok());
  CHECK(request->acs_url == kSpAcsUrl);
  CHECK(request->name_id_format.empty());

  // A new ID, because each AuthnRequest ID is accepted once.
  options.id = "_second";
  options.acs_attributes = " AssertionConsumerServiceIndex=\"2\"";
  request = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options)));
  REQUIRE(request.ok());
  CHECK(request->acs_url == kSpSecondAcsUrl);
}

TEST_CASE("transport errors rejected for user", "[federation][saml]") {
  IdpFixture fixture;
  std::string xml = authn_request_xml();
  std::string bomb = deflate_raw(std::string(300 * 1024, ' ') + xml);

  const std::pair<const char*, std::string> cases[] = {
      {"missing", "RelayState=x"},
      {"bad base64", "SAMLRequest=" + url_encode("@@@notbase64")},
      {"bad percent", "SAMLRequest=%zz"},
      {"not deflated", "SAMLRequest=" + url_encode(base64(xml))},
      {"zlib header", "SAMLRequest=" + url_encode(base64(std::string("\x78\x9c", 2) + deflate_raw(xml)))},
      {"truncated", "SAMLRequest=" + url_encode(base64(deflate_raw(xml).substr(0, 20)))},
      {"bomb", "SAMLRequest=" + url_encode(base64(bomb))},
      {"repeated", redirect_query(xml) + "&" + redirect_query(xml)},
      {"long relay state", redirect_query(xml, std::string(81, 'r'))},
      {"huge query", "SAMLRequest=" + std::string(70 * 1024, 'A')},
  };
  for (const auto& [name, query] : cases) {
    INFO(name);
    auto error = decode_error(fixture, query);
    CHECK(error.acs_url.empty());
    CHECK(error.status_code == saml::kStatusRequester);
    CHECK(!error.message.empty());
  }
  CHECK(fixture.idp->decode_redirect_request(redirect_query(xml, std::string(80, 'r'))).ok());
}

TEST_CASE("unknown SP and bad XML rejected", "[federation][saml]") {
  IdpFixture fixture;
  AuthnRequestOptions unknown;
  unknown.issuer = "https://127.0.0.1:9999/unknown";
  AuthnRequestOptions doctype;
  doctype.prologue = "<!DOCTYPE samlp:AuthnRequest [<!ENTITY e 'x'>]>";
  AuthnRequestOptions foreign_acs;
  foreign_acs.acs_attributes = " AssertionConsumerServiceURL=\"https://127.0.0.1:7777/steal\"";
  AuthnRequestOptions artifact_index;
  artifact_index.acs_attributes = " AssertionConsumerServiceIndex=\"0\"";
  AuthnRequestOptions both;
  both.acs_attributes = std::string(" AssertionConsumerServiceURL=\"") + kSpAcsUrl +
                        "\" AssertionConsumerServiceIndex=\"1\"";

  const std::pair<const char*, std::string> cases[] = {
      {"unknown issuer", authn_request_xml(unknown)},
      {"doctype", authn_request_xml(doctype)},
      {"foreign ACS URL", authn_request_xml(foreign_acs)},
      {"artifact ACS index", authn_request_xml(artifact_index)},
      {"URL and index", authn_request_xml(both)},
      {"not AuthnRequest", "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"},
      {"not XML", "hello"},
  };
  for (const auto& [name, xml] : cases) {
    INFO(name);
    auto error = decode_error(fixture, redirect_query(xml));
    CHECK(error.acs_url.empty());
  }
  auto doctype_error = decode_error(fixture, redirect_query(authn_request_xml(doctype)));
  CHECK(doctype_error.message.find("DOCTYPE") != std::string::npos);
}

TEST_CASE("request field errors go to SP", "[federation][saml]") {
  IdpFixture fixture;
  AuthnRequestOptions version, bad_id, stale, future, destination, format;
  version.version = "1.1";
  bad_id.id = "1-starts-with-digit";
  stale.issue_instant = "2026-03-01T11:40:00Z";
  future.issue_instant = "2026-03-01T12:10:00Z";
  destination.destination = "https://127.0.0.1:8443/other";
  format.name_id_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";

  const std::tuple<const char*, AuthnRequestOptions, std::string_view> cases[] = {
      {"version", version, saml::kStatusVersionMismatch},
      {"bad ID", bad_id, saml::kStatusRequester},
      {"stale", stale, saml::kStatusRequester},
      {"future", future, saml::kStatusRequester},
      {"destination", destination, saml::kStatusRequester},
      {"name ID format", format, saml::kStatusRequester},
  };
  for (const auto& [name, options, status] : cases) {
    INFO(name);
    auto error = decode_error(fixture, redirect_query(authn_request_xml(options), "relay"));
    CHECK(error.acs_url == kSpAcsUrl);
    CHECK(error.sp_entity_id == kSpEntityId);
    CHECK(error.status_code == status);
    CHECK(error.relay_state == "relay");
  }
  auto format_error = decode_error(fixture, redirect_query(authn_request_xml(format)));
  CHECK(format_error.sub_status_code == saml::kStatusInvalidNameIdPolicy);
  CHECK(format_error.request_id == "_a1b2c3d4e5f6");
}

TEST_CASE("response assertion verifies both ways", "[federation][saml]") {
  IdpFixture fixture;
  auto response = fixture.idp->build_response_xml(decoded_request(fixture), test_subject());
  REQUIRE(response.ok());

  CHECK(verify_assertion(*response, test_keys().rsa).ok());
  CHECK(verify_with_xmlsec1(fixture.dir, *response, test_keys().rsa) == 0);
  CHECK(verify_assertion(*response, test_keys().other_rsa).code() == StatusCode::kPermissionDenied);
}

TEST_CASE("response content matches Mellon needs", "[federation][saml]") {
  IdpFixture fixture;
  auto response = fixture.idp->build_response_xml(decoded_request(fixture), test_subject());
  REQUIRE(response.ok());
  auto doc = xml::Document::parse(*response);
  REQUIRE(doc.ok());
  xml::Element root = doc->root();
  const auto a = saml::kAssertionNs;
  const auto p = saml::kProtocolNs;

  CHECK(root.is(p, "Response"));
  CHECK(root.attribute("Destination") == kSpAcsUrl);
  CHECK(root.attribute("InResponseTo") == "_a1b2c3d4e5f6");
  CHECK(root.attribute("Version") == "2.0");
  CHECK(root.attribute("IssueInstant") == "2026-03-01T12:00:00Z");
  CHECK(root.attribute("ID")->size() == 41);
  CHECK(root.first_child(a, "Issuer").text() == kIdpEntityId);
  CHECK(root.first_child(p, "Status").first_child(p, "StatusCode").attribute("Value") ==
        saml::kStatusSuccess);
  CHECK(root.first_child(xml::kXmlDsigNs, "Signature").is_null());

  xml::Element assertion = root.first_child(a, "Assertion");
  auto children = assertion.children();
  REQUIRE(children.size() == 6);
  CHECK(children[0].is(a, "Issuer"));
  CHECK(children[1].is(xml::kXmlDsigNs, "Signature"));
  CHECK(children[2].is(a, "Subject"));
  CHECK(children[3].is(a, "Conditions"));
  CHECK(children[4].is(a, "AuthnStatement"));
  CHECK(children[5].is(a, "AttributeStatement"));
  CHECK(response->find("rsa-sha256") != std::string::npos);

  xml::Element name_id = children[2].first_child(a, "NameID");
  CHECK(name_id.text() == "pseudonym-123");
  CHECK(name_id.attribute("Format") == saml::kNameIdPersistent);
  CHECK(name_id.attribute("SPNameQualifier") == kSpEntityId);
  xml::Element confirmation = children[2].first_child(a, "SubjectConfirmation");
  CHECK(confirmation.attribute("Method") == saml::kBearerMethod);
  xml::Element data = confirmation.first_child(a, "SubjectConfirmationData");
  CHECK(data.attribute("Recipient") == kSpAcsUrl);
  CHECK(data.attribute("InResponseTo") == "_a1b2c3d4e5f6");
  CHECK(data.attribute("NotOnOrAfter") == "2026-03-01T12:05:00Z");

  CHECK(children[3].attribute("NotBefore") == "2026-03-01T12:00:00Z");
  CHECK(children[3].attribute("NotOnOrAfter") == "2026-03-01T12:05:00Z");
  CHECK(children[3].first_child(a, "AudienceRestriction").first_child(a, "Audience").text() ==
        kSpEntityId);
  CHECK(children[4].attribute("AuthnInstant") == "2026-03-01T11:59:55Z");
  CHECK(!children[4].attribute("SessionIndex").value_or("").empty());
  CHECK(children[4].first_child(a, "AuthnContext").first_child(a, "AuthnContextClassRef").text() ==
        "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI");

  auto attributes = children[5].children(a, "Attribute");
  REQUIRE(attributes.size() == 3);
  CHECK(attributes[0].attribute("Name") == "cn");
  CHECK(attributes[0].attribute("NameFormat") == saml::kAttributeNameFormatBasic);
  xml::Element value = attributes[0].first_child(a, "AttributeValue");
  CHECK(value.text() == "Dr Ann <Example> & Co");
  CHECK(value.attribute(xml::kXmlSchemaInstanceNs, "type") == "xs:string");
  CHECK(attributes[1].children(a, "AttributeValue").size() == 2);
}

TEST_CASE("tampered attribute fails verification", "[federation][saml]") {
  IdpFixture fixture;
  auto response = fixture.idp->build_response_xml(decoded_request(fixture), test_subject());
  REQUIRE(response.ok());
  std::string tampered = *response;
  std::size_t at = tampered.find("555000000001");
  REQUIRE(at != std::string::npos);
  tampered.replace(at, 12, "555000000002");

  CHECK(verify_assertion(tampered, test_keys().rsa).code() == StatusCode::kPermissionDenied);
  CHECK(verify_with_xmlsec1(fixture.dir, tampered, test_keys().rsa) != 0);
}

TEST_CASE("signed response verifies both ways", "[federation][saml]") {
  IdpFixture fixture(true);
  auto response = fixture.idp->build_response_xml(decoded_request(fixture), test_subject());
  REQUIRE(response.ok());
  auto doc = xml::Document::parse(*response);
  REQUIRE(doc.ok());
  auto certificate = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(certificate.ok());

  auto children = doc->root().children();
  REQUIRE(children.size() >= 2);
  CHECK(children[1].is(xml::kXmlDsigNs, "Signature"));
  CHECK(xml::verify_enveloped(*doc, doc->root(), *certificate).ok());
  CHECK(xml::verify_enveloped(*doc, find_assertion(*doc), *certificate).ok());
  CHECK(verify_with_xmlsec1(fixture.dir, *response, test_keys().rsa) == 0);
}

TEST_CASE("ECDSA key signs assertion", "[federation][saml]") {
  IdpFixture fixture(false, test_keys().ec);
  auto response = fixture.idp->build_response_xml(decoded_request(fixture), test_subject());
  REQUIRE(response.ok());
  CHECK(response->find("ecdsa-sha256") != std::string::npos);
  CHECK(verify_assertion(*response, test_keys().ec).ok());
  CHECK(verify_with_xmlsec1(fixture.dir, *response, test_keys().ec) == 0);
}

TEST_CASE("response rejects unregistered destination", "[federation][saml]") {
  IdpFixture fixture;
  auto request = decoded_request(fixture);
  request.acs_url = "https://127.0.0.1:7777/steal";
  CHECK(fixture.idp->build_response_xml(request, test_subject()).status().code() ==
        StatusCode::kInvalidArgument);
  request = decoded_request(fixture, "", "_second");
  request.issuer = "https://127.0.0.1:9999/unknown";
  CHECK(!fixture.idp->build_post_response_page(request, test_subject()).ok());
}

TEST_CASE("response rejects invalid subject text", "[federation][saml]") {
  IdpFixture fixture;
  auto subject = test_subject();
  subject.attributes["cn"] = {std::string("bad\x01value")};
  CHECK(fixture.idp->build_response_xml(decoded_request(fixture), subject).status().code() ==
        StatusCode::kInvalidArgument);
  subject = test_subject();
  subject.name_id.clear();
  CHECK(!fixture.idp->build_response_xml(decoded_request(fixture, "", "_second"), subject).ok());
}

TEST_CASE("post page escapes and submits", "[federation][saml]") {
  IdpFixture fixture;
  auto page = fixture.idp->build_post_response_page(decoded_request(fixture, "a\"><script>x"),
                                                    test_subject());
  REQUIRE(page.ok());
  CHECK(page->find("action=\"https://127.0.0.1:8444/mellon/postResponse\"") != std::string::npos);
  CHECK(page->find("name=\"SAMLResponse\" value=\"") != std::string::npos);
  CHECK(page->find("value=\"a&quot;&gt;&lt;script&gt;x\"") != std::string::npos);
  CHECK(page->find("<script>x") == std::string::npos);
  CHECK(page->find("<noscript>") != std::string::npos);

  std::string policy = saml::IdentityProvider::post_page_content_security_policy();
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("script-src 'sha256-") != std::string::npos);
}

TEST_CASE("error response goes to SP", "[federation][saml]") {
  IdpFixture fixture;
  AuthnRequestOptions format;
  format.name_id_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
  auto error = decode_error(fixture, redirect_query(authn_request_xml(format), "relay"));

  auto response = fixture.idp->build_error_response_xml(error);
  REQUIRE(response.ok());
  auto doc = xml::Document::parse(*response);
  REQUIRE(doc.ok());
  xml::Element root = doc->root();
  const auto p = saml::kProtocolNs;
  CHECK(root.attribute("Destination") == kSpAcsUrl);
  CHECK(root.attribute("InResponseTo") == "_a1b2c3d4e5f6");
  xml::Element code = root.first_child(p, "Status").first_child(p, "StatusCode");
  CHECK(code.attribute("Value") == saml::kStatusRequester);
  CHECK(code.first_child(p, "StatusCode").attribute("Value") == saml::kStatusInvalidNameIdPolicy);
  CHECK(!root.first_child(p, "Status").first_child(p, "StatusMessage").text().empty());
  CHECK(root.first_child(saml::kAssertionNs, "Assertion").is_null());

  auto page = fixture.idp->build_error_page(error);
  REQUIRE(page.ok());
  CHECK(page->find("name=\"RelayState\" value=\"relay\"") != std::string::npos);

  auto unknown = decode_error(fixture, "SAMLRequest=%zz");
  CHECK(fixture.idp->build_error_page(unknown).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("IdP metadata parses", "[federation][saml]") {
  IdpFixture fixture;
  auto doc = xml::Document::parse(fixture.idp->metadata_xml());
  REQUIRE(doc.ok());
  const auto md = saml::kMetadataNs;
  xml::Element root = doc->root();
  CHECK(root.is(md, "EntityDescriptor"));
  CHECK(root.attribute("entityID") == kIdpEntityId);
  xml::Element idp = root.first_child(md, "IDPSSODescriptor");
  CHECK(idp.attribute("protocolSupportEnumeration") == saml::kProtocolNs);
  xml::Element key = idp.first_child(md, "KeyDescriptor");
  CHECK(key.attribute("use") == "signing");
  std::string certificate = key.first_child(xml::kXmlDsigNs, "KeyInfo")
                                .first_child(xml::kXmlDsigNs, "X509Data")
                                .first_child(xml::kXmlDsigNs, "X509Certificate")
                                .text();
  CHECK(certificate == certificate_body(test_keys().rsa.certificate));
  auto formats = idp.children(md, "NameIDFormat");
  REQUIRE(formats.size() == 3);
  CHECK(formats[0].text() == saml::kNameIdPersistent);
  CHECK(formats[1].text() == saml::kNameIdTransient);
  CHECK(formats[2].text() == saml::kNameIdEmail);
  xml::Element sso = idp.first_child(md, "SingleSignOnService");
  CHECK(sso.attribute("Binding") == saml::kHttpRedirectBinding);
  CHECK(sso.attribute("Location") == kIdpSsoUrl);
}

TEST_CASE("IdP metadata is signed", "[federation][saml]") {
  IdpFixture fixture;
  std::string metadata = fixture.idp->metadata_xml();
  auto doc = xml::Document::parse(metadata);
  REQUIRE(doc.ok());
  xml::Element root = doc->root();
  REQUIRE(!root.children().empty());
  CHECK(root.children().front().is(xml::kXmlDsigNs, "Signature"));
  auto certificate = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(certificate.ok());
  CHECK(xml::verify_enveloped(*doc, root, *certificate).ok());

  auto file = fixture.dir / "idp-metadata.xml";
  write_text(file, metadata);
  std::string command = "xmlsec1 --verify --id-attr:ID urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor "
                        "--pubkey-cert-pem '" + test_keys().rsa.certificate.string() + "' '" +
                        file.string() + "' >/dev/null 2>&1";
  CHECK(run_command(command) == 0);
}

TEST_CASE("create rejects readable key", "[federation][saml]") {
  TempDir dir;
  std::filesystem::create_directory(dir / "sp");
  auto key = dir / "key.pem";
  std::filesystem::copy_file(test_keys().rsa.key, key);
  std::filesystem::permissions(key, std::filesystem::perms::owner_read |
                                        std::filesystem::perms::others_read);
  saml::IdpSettings settings;
  settings.entity_id = kIdpEntityId;
  settings.sso_url = kIdpSsoUrl;
  settings.signing_key = key;
  settings.signing_certificate = test_keys().rsa.certificate;
  settings.sp_metadata_dir = dir / "sp";
  auto idp = saml::IdentityProvider::create(settings);
  REQUIRE(!idp.ok());
  CHECK(idp.status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("create names bad metadata file", "[federation][saml]") {
  IdpFixture fixture;
  write_text(fixture.dir / "sp" / "broken.xml", "<md:EntityDescriptor");
  auto idp = saml::IdentityProvider::create(fixture.settings);
  REQUIRE(!idp.ok());
  CHECK(idp.status().message().find("broken.xml") != std::string::npos);
}

TEST_CASE("IdP metadata lists additional signing key", "[federation][saml]") {
  IdpFixture fixture;
  fixture.settings.additional_signing_certificates = {test_keys().other_rsa.certificate};
  auto idp = saml::IdentityProvider::create(fixture.settings);
  REQUIRE(idp.ok());

  auto doc = xml::Document::parse((*idp)->metadata_xml());
  REQUIRE(doc.ok());
  auto keys = doc->root().first_child(saml::kMetadataNs, "IDPSSODescriptor").children(saml::kMetadataNs, "KeyDescriptor");
  REQUIRE(keys.size() == 2);
  std::vector<std::string> certificates;
  for (const xml::Element& key : keys) {
    CHECK(key.attribute("use") == "signing");
    certificates.push_back(key.first_child(xml::kXmlDsigNs, "KeyInfo")
                               .first_child(xml::kXmlDsigNs, "X509Data")
                               .first_child(xml::kXmlDsigNs, "X509Certificate")
                               .text());
  }
  CHECK(certificates[0] == certificate_body(test_keys().rsa.certificate));
  CHECK(certificates[1] == certificate_body(test_keys().other_rsa.certificate));

  auto current = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(current.ok());
  CHECK(xml::verify_enveloped(*doc, doc->root(), *current).ok());
}

TEST_CASE("create names bad additional certificate", "[federation][saml]") {
  IdpFixture fixture;
  write_text(fixture.dir / "next.pem", "not a certificate");
  fixture.settings.additional_signing_certificates = {fixture.dir / "next.pem"};
  auto idp = saml::IdentityProvider::create(fixture.settings);
  REQUIRE(!idp.ok());
  CHECK(idp.status().message().find("next.pem") != std::string::npos);
}
