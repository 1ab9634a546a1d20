#include "xml/encryption.h"

#include <catch2/catch.hpp>

#include "tests/xml/test_keys.h"
#include "xml/document.h"

namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

constexpr std::string_view kTestNs = "urn:careid:test";

// <t:Envelope><t:Thing ID="_thing"><t:Secret>...</t:Secret></t:Thing></t:Envelope>, with
// the t: prefix declared only on the root.
xml::Document make_document() {
  auto doc = xml::Document::create(kTestNs, "t", "Envelope");
  xml::Element thing = doc.root().append_child(kTestNs, "t", "Thing");
  thing.set_attribute("ID", "_thing");
  thing.append_text_child(kTestNs, "t", "Secret", "card holder 555000000001");
  return doc;
}

xml::VerificationKey recipient(const TestKey& key) {
  auto loaded = xml::VerificationKey::load_certificate_file(key.certificate);
  REQUIRE(loaded.ok());
  return *loaded;
}

}  // namespace

TEST_CASE("wrap moves element into new parent", "[xml][encryption]") {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");

  xml::Element wrapper = thing.wrap(kTestNs, "t", "Wrapper");

  REQUIRE(!wrapper.is_null());
  CHECK(wrapper.parent() == doc.root());
  CHECK(wrapper.first_child(kTestNs, "Thing") == thing);
  CHECK(doc.to_string().find("<t:Wrapper><t:Thing ID=\"_thing\">") != std::string::npos);
  CHECK(doc.root().wrap(kTestNs, "t", "Outer").is_null());
}

TEST_CASE("encrypted element decrypts with xmlsec1", "[xml][encryption]") {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");

  auto encrypted = xml::encrypt_element(doc, thing, recipient(test_keys().rsa));

  REQUIRE(encrypted.ok());
  CHECK(encrypted->is(xml::kXmlEncNs, "EncryptedData"));
  CHECK(encrypted->parent() == doc.root());
  std::string text = doc.to_string();
  CHECK(text.find("555000000001") == std::string::npos);
  CHECK(text.find("xmlenc11#aes256-gcm") != std::string::npos);
  CHECK(text.find("xmlenc#rsa-oaep-mgf1p") != std::string::npos);

  TempDir dir;
  write_text(dir / "encrypted.xml", text);
  std::string command = "xmlsec1 --decrypt --privkey-pem '" + test_keys().rsa.key.string() +
                        "' --output '" + (dir / "decrypted.xml").string() + "' '" +
                        (dir / "encrypted.xml").string() + "' >/dev/null 2>&1";
  REQUIRE(run_command(command) == 0);
  std::string decrypted = read_text(dir / "decrypted.xml");
  CHECK(decrypted.find("card holder 555000000001") != std::string::npos);
  // The element carries its own declaration of the prefix it inherited from the root.
  CHECK(decrypted.find("<t:Thing xmlns:t=\"urn:careid:test\" ID=\"_thing\">") !=
        std::string::npos);
}

TEST_CASE("encryption rejects root and EC key", "[xml][encryption]") {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");

  auto root = xml::encrypt_element(doc, doc.root(), recipient(test_keys().rsa));
  auto ec = xml::encrypt_element(doc, thing, recipient(test_keys().ec));

  CHECK(root.status().code() == StatusCode::kInvalidArgument);
  CHECK(ec.status().code() == StatusCode::kInvalidArgument);
  CHECK(doc.to_string().find("card holder") != std::string::npos);
}
