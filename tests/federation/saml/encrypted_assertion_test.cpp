// Encrypted assertions: AES-256-GCM with RSA-OAEP key transport for SPs with an encryption
// key, the per-SP policy, and decryption by the xmlsec1 command line tool as an SP would.
#include <catch2/catch.hpp>

#include "federation/saml/identity_provider.h"
#include "federation/saml/saml_names.h"
#include "tests/federation/saml/saml_test_support.h"
#include "xml/encryption.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

// An IdP whose one SP has the metadata of sp_metadata_xml with `key_use` on its second
// KeyDescriptor (other_rsa, or `encryption_key`), and `policy` for that SP when given.
struct EncryptionFixture {
  TempDir dir;
  std::unique_ptr<saml::IdentityProvider> idp;

  EncryptionFixture(const std::string& key_use,
                    std::optional<saml::AssertionEncryption> policy = std::nullopt,
                    const TestKey& encryption_key = test_keys().other_rsa) {
    std::filesystem::create_directory(dir / "sp");
    std::string metadata =
        sp_metadata_xml(kSpEntityId, certificate_body(test_keys().other_rsa.certificate));
    std::size_t second = metadata.find("<md:KeyDescriptor>");
    std::string replacement = "<md:KeyDescriptor" + key_use + ">";
    metadata.replace(second, 18, replacement);
    std::string other_body = certificate_body(test_keys().other_rsa.certificate);
    std::size_t certificate = metadata.find(other_body, second);
    metadata.replace(certificate, other_body.size(), certificate_body(encryption_key.certificate));
    write_text(dir / "sp" / "sp.xml", metadata);

    saml::IdpSettings settings;
    settings.entity_id = kIdpEntityId;
    settings.sso_url = kIdpSsoUrl;
    settings.signing_key = test_keys().rsa.key;
    settings.signing_certificate = test_keys().rsa.certificate;
    settings.sp_metadata_dir = dir / "sp";
    settings.clock = fixed_now;
    if (policy.has_value()) {
      settings.assertion_encryption[kSpEntityId] = *policy;
    }
    auto created = saml::IdentityProvider::create(settings);
    REQUIRE(created.ok());
    idp = std::move(created).value();
  }

  careid::Result<std::string> response() const {
    saml::AuthnRequest request;
    request.id = "_req1";
    request.issuer = kSpEntityId;
    request.acs_url = kSpAcsUrl;
    saml::Subject subject;
    subject.name_id = "pseudonym-123";
    subject.authn_instant = fixed_now();
    subject.attributes["uid"] = {"555000000001"};
    return idp->build_response_xml(request, subject);
  }
};

bool is_encrypted(const std::string& response) {
  return response.find("EncryptedAssertion") != std::string::npos;
}

}  // namespace

TEST_CASE("assertion encrypted for encryption key", "[federation][saml][encryption]") {
  EncryptionFixture fixture(" use=\"encryption\"");

  auto response = fixture.response();

  REQUIRE(response.ok());
  auto doc = xml::Document::parse(*response);
  REQUIRE(doc.ok());
  xml::Element root = doc->root();
  CHECK(root.first_child(saml::kAssertionNs, "Assertion").is_null());
  xml::Element encrypted = root.first_child(saml::kAssertionNs, "EncryptedAssertion");
  REQUIRE(!encrypted.is_null());
  xml::Element data = encrypted.first_child(xml::kXmlEncNs, "EncryptedData");
  REQUIRE(!data.is_null());
  CHECK(data.attribute("Type") == "http://www.w3.org/2001/04/xmlenc#Element");
  CHECK(data.first_child(xml::kXmlEncNs, "EncryptionMethod").attribute("Algorithm") ==
        "http://www.w3.org/2009/xmlenc11#aes256-gcm");
  xml::Element encrypted_key = data.first_child(xml::kXmlDsigNs, "KeyInfo")
                                   .first_child(xml::kXmlEncNs, "EncryptedKey");
  CHECK(encrypted_key.first_child(xml::kXmlEncNs, "EncryptionMethod").attribute("Algorithm") ==
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p");
  // Nothing of the subject is readable without the SP's key.
  CHECK(response->find("555000000001") == std::string::npos);
  CHECK(response->find("pseudonym-123") == std::string::npos);
}

TEST_CASE("xmlsec1 decrypts the signed assertion", "[federation][saml][encryption]") {
  EncryptionFixture fixture(" use=\"encryption\"");
  auto response = fixture.response();
  REQUIRE(response.ok());

  TempDir dir;
  write_text(dir / "response.xml", *response);
  std::string command = "xmlsec1 --decrypt --privkey-pem '" +
                        test_keys().other_rsa.key.string() + "' --output '" +
                        (dir / "decrypted.xml").string() + "' '" +
                        (dir / "response.xml").string() + "' >/dev/null 2>&1";
  REQUIRE(run_command(command) == 0);

  auto doc = xml::Document::parse(read_text(dir / "decrypted.xml"));
  REQUIRE(doc.ok());
  xml::Element assertion = doc->root()
                               .first_child(saml::kAssertionNs, "EncryptedAssertion")
                               .first_child(saml::kAssertionNs, "Assertion");
  REQUIRE(!assertion.is_null());
  CHECK(assertion.first_child(saml::kAssertionNs, "Subject").text() == "pseudonym-123");
  auto key = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(key.ok());
  CHECK(xml::verify_enveloped(*doc, assertion, *key).ok());
}

TEST_CASE("key without use encrypts by default", "[federation][saml][encryption]") {
  // SAML Metadata 2.4.1.1: a KeyDescriptor without `use` is for signing and encryption.
  EncryptionFixture both_uses("");
  EncryptionFixture empty_use(" use=\"\"");
  EncryptionFixture signing_only(" use=\"signing\"");

  auto both_response = both_uses.response();
  auto empty_response = empty_use.response();
  auto signing_response = signing_only.response();

  REQUIRE(both_response.ok());
  CHECK(is_encrypted(*both_response));
  CHECK(both_response->find("555000000001") == std::string::npos);
  REQUIRE(empty_response.ok());
  CHECK(is_encrypted(*empty_response));
  REQUIRE(signing_response.ok());
  CHECK(!is_encrypted(*signing_response));
}

TEST_CASE("EC key without use stays plain", "[federation][saml][encryption]") {
  // RSA-OAEP cannot encrypt to an EC key, so an EC key without `use` only signs, and the
  // login still works.
  EncryptionFixture ec_both_uses("", std::nullopt, test_keys().ec);
  EncryptionFixture ec_required("", saml::AssertionEncryption::kRequired, test_keys().ec);

  auto plain = ec_both_uses.response();
  auto required = ec_required.response();

  REQUIRE(plain.ok());
  CHECK(!is_encrypted(*plain));
  REQUIRE(!required.ok());
  CHECK_THAT(required.status().message(), Catch::Contains("RSA"));
}

TEST_CASE("encryption policy per SP", "[federation][saml][encryption]") {
  EncryptionFixture both_uses_never("", saml::AssertionEncryption::kNever);
  EncryptionFixture never(" use=\"encryption\"", saml::AssertionEncryption::kNever);
  EncryptionFixture required(" use=\"signing\"", saml::AssertionEncryption::kRequired);
  EncryptionFixture required_both(" use=\"\"", saml::AssertionEncryption::kRequired);

  auto both_never_response = both_uses_never.response();
  auto never_response = never.response();
  auto required_response = required.response();
  auto required_both_response = required_both.response();

  REQUIRE(both_never_response.ok());
  CHECK(!is_encrypted(*both_never_response));
  REQUIRE(never_response.ok());
  CHECK(!is_encrypted(*never_response));
  REQUIRE(!required_response.ok());
  CHECK(required_response.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(required_response.status().message(), Catch::Contains("KeyDescriptor"));
  REQUIRE(required_both_response.ok());
  CHECK(is_encrypted(*required_both_response));
}

TEST_CASE("ECDSA encryption key rejected", "[federation][saml][encryption]") {
  EncryptionFixture fixture(" use=\"encryption\"", std::nullopt, test_keys().ec);

  auto response = fixture.response();

  REQUIRE(!response.ok());
  CHECK(response.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(response.status().message(), Catch::Contains("RSA"));
}
