// XML signature wrapping layouts from the literature (Somorovsky et al., "On Breaking SAML:
// Be Whoever You Want to Be", USENIX Security 2012, and the 2018 comment-truncation attacks
// on SAML libraries). Each layout keeps a validly signed element in the document and puts
// an attacker's element where a careless reader would look. verify_enveloped must refuse
// the element that the reader reads, or, for comments, the reader must see the whole text.
#include <catch2/catch.hpp>

#include <string>

#include "tests/xml/test_keys.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace xml = careid::xml;
using careid::StatusCode;
using careid::testing::test_keys;

namespace {

constexpr std::string_view kProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr std::string_view kAssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";

// A Response whose Assertion (ID _assertion) is signed, serialised.
std::string signed_response(const std::string& name_id = "alice@example.nhs.uk") {
  auto doc = xml::Document::create(kProtocolNs, "samlp", "Response");
  doc.root().set_attribute("ID", "_response");
  doc.root().append_text_child(kAssertionNs, "saml", "Issuer", "https://idp.example");
  xml::Element assertion = doc.root().append_child(kAssertionNs, "saml", "Assertion");
  assertion.set_attribute("ID", "_assertion");
  xml::Element issuer = assertion.append_text_child(kAssertionNs, "saml", "Issuer", "https://idp.example");
  xml::Element subject = assertion.append_child(kAssertionNs, "saml", "Subject");
  subject.append_text_child(kAssertionNs, "saml", "NameID", name_id);

  auto key = xml::SigningKey::load(test_keys().rsa.key, test_keys().rsa.certificate);
  REQUIRE(key.ok());
  REQUIRE(xml::sign_enveloped(doc, assertion, issuer, *key).ok());
  return doc.to_string();
}

// The serialised <saml:Assertion ...>...</saml:Assertion> of `response`.
std::string assertion_text(const std::string& response) {
  std::size_t begin = response.find("<saml:Assertion");
  std::size_t end = response.find("</saml:Assertion>") + 17;
  return response.substr(begin, end - begin);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string without_signature(const std::string& text) {
  std::size_t begin = text.find("<ds:Signature");
  std::size_t end = text.find("</ds:Signature>") + 15;
  return std::string(text).erase(begin, end - begin);
}

// A Response around `content`, declaring both SAML namespaces and ds on the root so that
// moved fragments stay well-formed.
std::string response_with(const std::string& content) {
  return "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"_response\">"
         "<saml:Issuer>https://idp.example</saml:Issuer>" + content + "</samlp:Response>";
}

struct Parsed {
  xml::Document doc;
  // The first Assertion child of the Response: what a reader that takes "the assertion" reads.
  xml::Element read_assertion() const { return doc.root().first_child(kAssertionNs, "Assertion"); }
};

Parsed parse(const std::string& text) {
  auto doc = xml::Document::parse(text);
  REQUIRE(doc.ok());
  return Parsed{std::move(doc).value()};
}

careid::Status verify(Parsed& parsed, xml::Element element) {
  auto key = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(key.ok());
  return xml::verify_enveloped(parsed.doc, element, *key);
}

std::string name_id_of(xml::Element assertion) {
  return assertion.first_child(kAssertionNs, "Subject").first_child(kAssertionNs, "NameID").text();
}

}  // namespace

TEST_CASE("wrapping baseline assertion verifies", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response());
  Parsed parsed = parse(response_with(original));
  CHECK(verify(parsed, parsed.read_assertion()).ok());
  CHECK(name_id_of(parsed.read_assertion()) == "alice@example.nhs.uk");
}

TEST_CASE("wrapped assertion in Extensions rejected", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response());
  std::string evil = replaced(original, "alice@example.nhs.uk", "mallory@example.nhs.uk");

  // The signed original hides in samlp:Extensions; the reader sees the evil one, which
  // has either no signature or the original's signature over other content.
  for (const std::string& evil_variant : {without_signature(evil), evil}) {
    Parsed parsed = parse(response_with("<samlp:Extensions>" + original + "</samlp:Extensions>" +
                                        evil_variant));
    INFO(evil_variant.substr(0, 80));
    CHECK(name_id_of(parsed.read_assertion()) == "mallory@example.nhs.uk");
    careid::Status status = verify(parsed, parsed.read_assertion());
    CHECK(!status.ok());
  }
}

TEST_CASE("cloned assertion rejected", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response());
  std::string evil = replaced(original, "alice@example.nhs.uk", "mallory@example.nhs.uk");

  // Two assertions with the same ID: the evil clone first, the signed original after it.
  Parsed evil_first = parse(response_with(evil + original));
  CHECK(verify(evil_first, evil_first.read_assertion()).code() == StatusCode::kPermissionDenied);

  // The clone inside the original: the reader that searches descendants finds it first.
  std::string nested = replaced(original, "<saml:Subject>", without_signature(evil) + "<saml:Subject>");
  Parsed nested_doc = parse(response_with(nested));
  CHECK(verify(nested_doc, nested_doc.read_assertion()).code() == StatusCode::kPermissionDenied);
}

TEST_CASE("moved signature rejected", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response());
  std::string signature = original.substr(original.find("<ds:Signature"));
  signature = signature.substr(0, signature.find("</ds:Signature>") + 15);
  std::string evil = replaced(without_signature(original), "alice@", "mallory@");

  // The signature now sits in the Response; the assertion has none.
  Parsed moved = parse(response_with(signature + evil));
  CHECK(verify(moved, moved.read_assertion()).code() == StatusCode::kNotFound);
  // As a signature of the Response it refers to another ID and must not count either.
  CHECK(!verify(moved, moved.doc.root()).ok());

  // The signature with the original assertion inside its ds:Object.
  std::string in_object = replaced(signature, "</ds:Signature>",
                                   "<ds:Object>" + without_signature(original) +
                                       "</ds:Object></ds:Signature>");
  std::string evil_with_object = replaced(evil, "<saml:Subject>", in_object + "<saml:Subject>");
  Parsed object = parse(response_with(evil_with_object));
  CHECK(!verify(object, object.read_assertion()).ok());
}

TEST_CASE("comment in NameID keeps whole text", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response("alice@example.nhs.uk.evil.example"));
  // Exclusive c14n without comments drops the comment, so the signature still verifies;
  // the defence is that text() returns every text node, not only the first.
  std::string commented = replaced(original, "alice@example.nhs.uk.evil.example",
                                   "alice@example.nhs.uk<!---->.evil.example");
  Parsed parsed = parse(response_with(commented));
  CHECK(verify(parsed, parsed.read_assertion()).ok());
  CHECK(name_id_of(parsed.read_assertion()) == "alice@example.nhs.uk.evil.example");
}

TEST_CASE("duplicate assertion IDs rejected", "[xml][signature][wrapping]") {
  std::string original = assertion_text(signed_response());
  // Another element with the same ID before the assertion, as a target for "#_assertion".
  std::string decoy = "<saml:Advice ID=\"_assertion\"/>";
  std::string evil = replaced(original, "alice@", "mallory@");
  Parsed parsed = parse(response_with(decoy + evil));
  CHECK(verify(parsed, parsed.read_assertion()).code() == StatusCode::kPermissionDenied);

  // An xml:id with the same value is an ID by definition, so it clashes with registration.
  std::string xml_id_decoy = "<saml:Advice xml:id=\"_assertion\"/>";
  Parsed clash = parse(response_with(xml_id_decoy + original));
  CHECK(verify(clash, clash.read_assertion()).code() == StatusCode::kInvalidArgument);
}
