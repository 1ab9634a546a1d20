#include "xml/document.h"

#include <catch2/catch.hpp>

#include <string>

#include "xml/text.h"

namespace xml = careid::xml;
using careid::StatusCode;

namespace {

constexpr std::string_view kFhirNs = "http://hl7.org/fhir";

std::string nested(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) {
    text += "<a>";
  }
  for (int i = 0; i < depth; ++i) {
    text += "</a>";
  }
  return text;
}

}  // namespace

TEST_CASE("parse navigates namespaced elements", "[xml]") {
  auto doc = xml::Document::parse(
      "<CodeSystem xmlns='http://hl7.org/fhir'><url value='urn:x'/>"
      "<concept><code value='R8000'/><display value='Clinical Practitioner'/></concept>"
      "<concept><code value='R8001'/></concept></CodeSystem>");
  REQUIRE(doc.ok());
  xml::Element root = doc->root();
  CHECK(root.is(kFhirNs, "CodeSystem"));
  CHECK(root.local_name() == "CodeSystem");
  CHECK(root.namespace_uri() == kFhirNs);
  CHECK(root.first_child(kFhirNs, "url").attribute("value") == "urn:x");

  auto concepts = root.children(kFhirNs, "concept");
  REQUIRE(concepts.size() == 2);
  CHECK(concepts[0].first_child(kFhirNs, "code").attribute("value") == "R8000");
  CHECK(concepts[1].first_child(kFhirNs, "display").is_null());
  CHECK(!concepts[1].attribute("value").has_value());
  CHECK(root.children().size() == 3);
  CHECK(concepts[0].parent() == root);
  CHECK(concepts[0].next_sibling() == concepts[1]);
}

TEST_CASE("text concatenates text and CDATA", "[xml]") {
  auto doc = xml::Document::parse("<r>one <b>two</b><![CDATA[ <three>]]> &amp;</r>");
  REQUIRE(doc.ok());
  CHECK(doc->root().text() == "one two <three> &");
}

TEST_CASE("namespaced attribute is read", "[xml]") {
  auto doc = xml::Document::parse(
      "<r xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='xs:string' type='plain'/>");
  REQUIRE(doc.ok());
  CHECK(doc->root().attribute(xml::kXmlSchemaInstanceNs, "type") == "xs:string");
  CHECK(doc->root().attribute("type") == "plain");
}

TEST_CASE("parse rejects DOCTYPE and entities", "[xml]") {
  const char* inputs[] = {
      "<!DOCTYPE r><r/>",
      "<!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>",
      "<!DOCTYPE r SYSTEM 'http://127.0.0.1:1/x.dtd'><r/>",
      "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]><r>&b;</r>",
      "<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><r>&x;</r>",
  };
  for (const char* input : inputs) {
    auto doc = xml::Document::parse(input);
    INFO(input);
    REQUIRE(!doc.ok());
    CHECK(doc.status().code() == StatusCode::kInvalidArgument);
    CHECK(doc.status().message().find("DOCTYPE") != std::string::npos);
  }
}

TEST_CASE("parse rejects undeclared entity", "[xml]") {
  auto doc = xml::Document::parse("<r>&e;</r>");
  REQUIRE(!doc.ok());
  CHECK(doc.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("parse rejects malformed input", "[xml]") {
  const char* inputs[] = {"", "<r>", "<r></s>", "text", "<r a='1' a='2'/>", "<a:r/>",
                          "<r/><r/>"};
  for (const char* input : inputs) {
    INFO(input);
    auto doc = xml::Document::parse(input);
    REQUIRE(!doc.ok());
    CHECK(doc.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("parse rejects every truncation", "[xml]") {
  std::string text = "<r xmlns='urn:x'><a b='c'>d</a><e/></r>";
  for (std::size_t i = 0; i < text.size(); ++i) {
    INFO(i);
    CHECK(!xml::Document::parse(text.substr(0, i)).ok());
  }
  CHECK(xml::Document::parse(text).ok());
}

TEST_CASE("parse enforces size limit", "[xml]") {
  std::string text = "<r>" + std::string(100, 'x') + "</r>";
  xml::ParseLimits limits;
  limits.max_bytes = text.size();
  CHECK(xml::Document::parse(text, limits).ok());
  limits.max_bytes = text.size() - 1;
  auto doc = xml::Document::parse(text, limits);
  REQUIRE(!doc.ok());
  CHECK(doc.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("parse enforces depth limit", "[xml]") {
  xml::ParseLimits limits;
  limits.max_depth = 10;
  CHECK(xml::Document::parse(nested(10), limits).ok());

  auto over = xml::Document::parse(nested(11), limits);
  REQUIRE(!over.ok());
  CHECK(over.status().code() == StatusCode::kResourceExhausted);

  auto far_over = xml::Document::parse(nested(100000));
  REQUIRE(!far_over.ok());
  CHECK(far_over.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("parse_file names missing file", "[xml]") {
  auto doc = xml::Document::parse_file("/nonexistent/careid.xml");
  REQUIRE(!doc.ok());
  CHECK(doc.status().code() == StatusCode::kIoError);
  CHECK(doc.status().message().find("/nonexistent/careid.xml") != std::string::npos);
}

TEST_CASE("built document escapes values", "[xml]") {
  auto doc = xml::Document::create("urn:test", "t", "root");
  xml::Element root = doc.root();
  root.set_attribute("a", "\"<&>'");
  xml::Element child = root.append_text_child("urn:test", "t", "child", "</t:child><evil/>&amp;");
  child.set_attribute(xml::kXmlSchemaInstanceNs, "xsi", "type", "xs:string");
  root.append_child("urn:other", "o", "other");

  auto reparsed = xml::Document::parse(doc.to_string());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->root().attribute("a") == "\"<&>'");
  xml::Element parsed_child = reparsed->root().first_child("urn:test", "child");
  CHECK(parsed_child.text() == "</t:child><evil/>&amp;");
  CHECK(parsed_child.children().empty());
  CHECK(parsed_child.attribute(xml::kXmlSchemaInstanceNs, "type") == "xs:string");
  CHECK(!reparsed->root().first_child("urn:other", "other").is_null());
  CHECK(doc.to_string().rfind("<t:root xmlns:t=\"urn:test\"", 0) == 0);
}

TEST_CASE("built text replaces invalid characters", "[xml]") {
  auto doc = xml::Document::create("", "", "r");
  doc.root().set_text(std::string("a\x01" "b\xff", 4));
  auto reparsed = xml::Document::parse(doc.to_string());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->root().text() == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

TEST_CASE("XML text validity checks", "[xml]") {
  CHECK(xml::is_valid_xml_text("plain text\t\r\n"));
  CHECK(xml::is_valid_xml_text("\xC3\xA9\xF0\x9F\x98\x80"));
  CHECK(!xml::is_valid_xml_text(std::string("\0", 1)));
  CHECK(!xml::is_valid_xml_text("\x1b"));
  CHECK(!xml::is_valid_xml_text("\xC0\xAF"));          // overlong '/'
  CHECK(!xml::is_valid_xml_text("\xED\xA0\x80"));      // surrogate
  CHECK(!xml::is_valid_xml_text("\xEF\xBF\xBE"));      // U+FFFE
  CHECK(!xml::is_valid_xml_text("\xE2\x82"));          // truncated
}
