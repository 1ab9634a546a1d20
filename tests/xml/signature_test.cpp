#include "xml/signature.h"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "tests/xml/test_keys.h"
#include "xml/document.h"
#include "xml/pem.h"

namespace xml = careid::xml;
using careid::StatusCode;
using careid::testing::read_text;
using careid::testing::run_command;
using careid::testing::test_keys;
using careid::testing::write_text;

namespace {

constexpr std::string_view kTestNs = "urn:careid:test";

// <t:Envelope><t:Thing ID="_thing"><t:Issuer>me</t:Issuer><t:Value>v</t:Value></t:Thing></t:Envelope>
xml::Document make_document() {
  auto doc = xml::Document::create(kTestNs, "t", "Envelope");
  xml::Element thing = doc.root().append_child(kTestNs, "t", "Thing");
  thing.set_attribute("ID", "_thing");
  thing.append_text_child(kTestNs, "t", "Issuer", "me");
  thing.append_text_child(kTestNs, "t", "Value", "v & <w>");
  return doc;
}

xml::SigningKey load_rsa() {
  auto key = xml::SigningKey::load(test_keys().rsa.key, test_keys().rsa.certificate);
  REQUIRE(key.ok());
  return *key;
}

xml::VerificationKey verification_key(const careid::testing::TestKey& key) {
  auto loaded = xml::VerificationKey::load_certificate_file(key.certificate);
  REQUIRE(loaded.ok());
  return *loaded;
}

std::string sign_to_string(const xml::SigningKey& key) {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");
  REQUIRE(xml::sign_enveloped(doc, thing, thing.first_child(kTestNs, "Issuer"), key).ok());
  return doc.to_string();
}

careid::Status verify_string(const std::string& text, const careid::testing::TestKey& key) {
  auto doc = xml::Document::parse(text);
  REQUIRE(doc.ok());
  return xml::verify_enveloped(*doc, doc->root().first_child(kTestNs, "Thing"),
                               verification_key(key));
}

// Runs `xmlsec1 --verify` on `text`; returns its exit status.
int verify_with_xmlsec1(const std::string& text, const careid::testing::TestKey& key) {
  auto file = test_keys().dir / "to-verify.xml";
  write_text(file, text);
  std::string command = "xmlsec1 --verify --id-attr:ID urn:careid:test:Thing --pubkey-cert-pem '" +
                        key.certificate.string() + "' '" + file.string() + "' >/dev/null 2>&1";
  return run_command(command);
}

}  // namespace

TEST_CASE("RSA signature verifies both ways", "[xml][signature]") {
  auto key = load_rsa();
  CHECK(key.type() == xml::KeyType::kRsa);
  std::string signed_text = sign_to_string(key);

  CHECK(signed_text.find("rsa-sha256") != std::string::npos);
  CHECK(verify_string(signed_text, test_keys().rsa).ok());
  CHECK(verify_with_xmlsec1(signed_text, test_keys().rsa) == 0);
}

TEST_CASE("ECDSA signature verifies both ways", "[xml][signature]") {
  auto key = xml::SigningKey::load(test_keys().ec.key, test_keys().ec.certificate);
  REQUIRE(key.ok());
  CHECK(key->type() == xml::KeyType::kEcdsa);
  std::string signed_text = sign_to_string(*key);

  CHECK(signed_text.find("ecdsa-sha256") != std::string::npos);
  CHECK(verify_string(signed_text, test_keys().ec).ok());
  CHECK(verify_with_xmlsec1(signed_text, test_keys().ec) == 0);
}

TEST_CASE("signature KeyInfo carries certificate", "[xml][signature]") {
  auto key = load_rsa();
  auto doc = xml::Document::parse(sign_to_string(key));
  REQUIRE(doc.ok());
  xml::Element certificate = doc->root()
                                 .first_child(kTestNs, "Thing")
                                 .first_child(xml::kXmlDsigNs, "Signature")
                                 .first_child(xml::kXmlDsigNs, "KeyInfo")
                                 .first_child(xml::kXmlDsigNs, "X509Data")
                                 .first_child(xml::kXmlDsigNs, "X509Certificate");
  REQUIRE_FALSE(certificate.is_null());
  CHECK(certificate.text() == key.certificate_base64());

  // An SP that takes the key from KeyInfo verifies with it.
  auto embedded = xml::VerificationKey::from_certificate(certificate.text());
  REQUIRE(embedded.ok());
  CHECK(xml::verify_enveloped(*doc, doc->root().first_child(kTestNs, "Thing"), *embedded).ok());
}

TEST_CASE("signature placed after Issuer", "[xml][signature]") {
  auto doc = xml::Document::parse(sign_to_string(load_rsa()));
  REQUIRE(doc.ok());
  auto children = doc->root().first_child(kTestNs, "Thing").children();
  REQUIRE(children.size() == 3);
  CHECK(children[0].is(kTestNs, "Issuer"));
  CHECK(children[1].is(xml::kXmlDsigNs, "Signature"));
  CHECK(children[2].is(kTestNs, "Value"));
}

TEST_CASE("tampered content fails verification", "[xml][signature]") {
  std::string signed_text = sign_to_string(load_rsa());
  std::string tampered = signed_text;
  tampered.replace(tampered.find(">me<"), 4, ">you<");

  auto status = verify_string(tampered, test_keys().rsa);
  CHECK(status.code() == StatusCode::kPermissionDenied);
  CHECK(verify_with_xmlsec1(tampered, test_keys().rsa) != 0);
}

TEST_CASE("other certificate fails verification", "[xml][signature]") {
  std::string signed_text = sign_to_string(load_rsa());
  CHECK(verify_string(signed_text, test_keys().other_rsa).code() == StatusCode::kPermissionDenied);
  CHECK(verify_string(signed_text, test_keys().ec).code() != StatusCode::kOk);
}

TEST_CASE("unsigned element reports not found", "[xml][signature]") {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");
  CHECK(xml::verify_enveloped(doc, thing, verification_key(test_keys().rsa)).code() ==
        StatusCode::kNotFound);
}

TEST_CASE("signature moved to wrapper rejected", "[xml][signature]") {
  // The signature covers Thing; moved under an outer element with its own ID it must not
  // vouch for that element.
  std::string signed_text = sign_to_string(load_rsa());
  std::string signature_text = signed_text.substr(signed_text.find("<ds:Signature"));
  signature_text = signature_text.substr(0, signature_text.find("</ds:Signature>") + 15);

  std::string wrapped = "<t:Envelope xmlns:t=\"urn:careid:test\" ID=\"_outer\">" + signature_text +
                        signed_text.substr(signed_text.find("<t:Thing"));
  auto wrapped_doc = xml::Document::parse(wrapped);
  REQUIRE(wrapped_doc.ok());
  auto status = xml::verify_enveloped(*wrapped_doc, wrapped_doc->root(),
                                      verification_key(test_keys().rsa));
  CHECK(status.code() != StatusCode::kOk);
}

TEST_CASE("duplicate ID rejected", "[xml][signature]") {
  std::string signed_text = sign_to_string(load_rsa());
  std::string duplicated = signed_text;
  duplicated.replace(duplicated.find("<t:Value>"), 9, "<t:Value ID=\"_thing\">");
  auto doc = xml::Document::parse(duplicated);
  REQUIRE(doc.ok());
  // Only Thing's ID attribute is registered, so "#_thing" still resolves to Thing, whose
  // content changed. An xml:id duplicate is registered by libxml2 itself and must clash.
  CHECK(xml::verify_enveloped(*doc, doc->root().first_child(kTestNs, "Thing"),
                              verification_key(test_keys().rsa))
            .code() == StatusCode::kPermissionDenied);
  std::string xml_id = signed_text;
  xml_id.replace(xml_id.find("<t:Value>"), 9, "<t:Value xml:id=\"_thing\">");
  auto clash = xml::Document::parse(xml_id);
  REQUIRE(clash.ok());
  auto status = xml::verify_enveloped(*clash, clash->root().first_child(kTestNs, "Thing"),
                                      verification_key(test_keys().rsa));
  CHECK(status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("signing requires an ID", "[xml][signature]") {
  auto doc = make_document();
  xml::Element value = doc.root().first_child(kTestNs, "Thing").first_child(kTestNs, "Value");
  CHECK(xml::sign_enveloped(doc, value, xml::Element(), load_rsa()).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("signature position must be a child", "[xml][signature]") {
  auto doc = make_document();
  xml::Element thing = doc.root().first_child(kTestNs, "Thing");
  CHECK(xml::sign_enveloped(doc, thing, doc.root(), load_rsa()).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("RSA-SHA1 signature rejected", "[xml][signature]") {
  // xmlsec1 fills a template that requests RSA-SHA1 and SHA-1: valid, but not allowed.
  std::string template_text =
      "<t:Envelope xmlns:t=\"urn:careid:test\"><t:Thing ID=\"_thing\"><t:Issuer>me</t:Issuer>"
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#rsa-sha1\"/>"
      "<ds:Reference URI=\"#_thing\"><ds:Transforms>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>"
      "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"
      "</t:Thing></t:Envelope>";
  auto dir = test_keys().dir.path();
  write_text(dir / "sha1-template.xml", template_text);
  std::string command = "xmlsec1 --sign --id-attr:ID urn:careid:test:Thing --privkey-pem '" +
                        test_keys().rsa.key.string() + "' --output '" +
                        (dir / "sha1-signed.xml").string() + "' '" +
                        (dir / "sha1-template.xml").string() + "' >/dev/null 2>&1";
  REQUIRE(run_command(command) == 0);

  auto status = verify_string(read_text(dir / "sha1-signed.xml"), test_keys().rsa);
  CHECK(status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("readable key file rejected", "[xml][signature]") {
  auto dir = test_keys().dir.path();
  auto copy = dir / "readable.key";
  std::filesystem::copy_file(test_keys().rsa.key, copy,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  auto key = xml::SigningKey::load(copy, test_keys().rsa.certificate);
  REQUIRE(!key.ok());
  CHECK(key.status().code() == StatusCode::kPermissionDenied);
  CHECK(key.status().message().find("readable.key") != std::string::npos);
}

TEST_CASE("mismatched key and certificate rejected", "[xml][signature]") {
  auto key = xml::SigningKey::load(test_keys().rsa.key, test_keys().other_rsa.certificate);
  REQUIRE(!key.ok());
  CHECK(key.status().code() == StatusCode::kInvalidArgument);
  CHECK(key.status().message().find("does not match") != std::string::npos);
}

TEST_CASE("bad key files rejected", "[xml][signature]") {
  auto dir = test_keys().dir.path();
  auto garbage = dir / "garbage.key";
  write_text(garbage, "not a key");
  std::filesystem::permissions(garbage, std::filesystem::perms::owner_read);
  auto key = xml::SigningKey::load(garbage, test_keys().rsa.certificate);
  CHECK(key.status().code() == StatusCode::kInvalidArgument);

  auto missing = xml::SigningKey::load(dir / "missing.key", test_keys().rsa.certificate);
  CHECK(missing.status().code() == StatusCode::kIoError);

  auto not_certificate = xml::SigningKey::load(test_keys().rsa.key, garbage);
  CHECK(not_certificate.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("certificate base64 round trip", "[xml][signature]") {
  auto key = load_rsa();
  std::string base64 = key.certificate_base64();
  CHECK(base64.find('\n') == std::string::npos);
  CHECK(base64.rfind("MII", 0) == 0);
  CHECK(xml::VerificationKey::from_certificate(base64).ok());
  CHECK(!xml::VerificationKey::from_certificate("AAAA").ok());
  CHECK(!xml::VerificationKey::from_certificate("not base64!").ok());
}

TEST_CASE("shared key signs from threads", "[xml][signature]") {
  auto key = load_rsa();
  auto certificate = verification_key(test_keys().rsa);
  constexpr int kThreads = 4;
  constexpr int kRounds = 5;
  std::vector<std::string> results(kThreads * kRounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto doc = make_document();
        xml::Element thing = doc.root().first_child(kTestNs, "Thing");
        auto signed_ok = xml::sign_enveloped(doc, thing, xml::Element(), key);
        auto verified = xml::verify_enveloped(doc, thing, certificate);
        results[t * kRounds + i] = signed_ok.to_string() + " " + verified.to_string();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const std::string& result : results) {
    CHECK(result == "OK OK");
  }
}
