#include "directory/protocol/filter.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "directory/ber/reader.h"
#include "directory/ber/writer.h"

namespace ber = careid::directory::ber;
using namespace careid::directory::protocol;

namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int octet : octets) {
    out += static_cast<char>(octet);
  }
  return out;
}

std::string to_ber(const Filter& filter) {
  ber::Writer writer;
  encode_filter(filter, writer);
  return writer.finish();
}

careid::Result<Filter> from_ber(std::string_view encoded, const FilterLimits& limits = {}) {
  ber::Reader reader(encoded);
  careid::Result<Filter> filter = decode_filter(reader, limits);
  if (filter.ok() && !reader.at_end()) {
    return careid::Status::invalid_argument("trailing octets");
  }
  return filter;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// Nests `depth` filters: (!(!(...(cn=x)...))).
std::string nested_not_ber(std::size_t depth) {
  ber::Writer writer;
  for (std::size_t i = 1; i < depth; ++i) {
    writer.begin_constructed(ber::context_tag(2, true));
  }
  writer.write_octet_string("cn", ber::context_tag(7));
  for (std::size_t i = 1; i < depth; ++i) {
    writer.end_constructed();
  }
  return writer.finish();
}

}  // namespace

TEST_CASE("filter strings round trip", "[directory][protocol]") {
  const char* cases[] = {
      "(cn=Babs Jensen)",
      "(!(cn=Tim Howes))",
      "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
      "(o=univ*of*mich*)",
      "(seeAlso=)",
      "(cn=*)",
      "(cn=a*)",
      "(cn=*z)",
      "(cn=*m*)",
      "(cn=a*b*c*d)",
      "(age>=18)",
      "(age<=65)",
      "(sn~=jensen)",
      "(cn:caseExactMatch:=Fred Flintstone)",
      "(cn:=Betty Rubble)",
      "(sn:dn:2.4.6.8.10:=Barney Rubble)",
      "(o:dn:=Ace Industry)",
      "(:1.2.3:=Wilma Flintstone)",
      "(:dn:2.4.6.8.10:=Dino)",
      "(o=Parens R Us \\28for all your parenthetical needs\\29)",
      "(cn=*\\2a*)",
      "(filename=C:\\5cMyFile)",
      "(bin=\\00\\00\\00\\04)",
      "(sn=Lu\\c4\\8di\\c4\\87)",
      "(userCertificate;binary=*)",
      "(&)",
      "(|)",
      "(&(|)(!(&)))",
  };
  for (const char* text : cases) {
    INFO(text);
    auto filter = parse_filter(text);
    REQUIRE(filter.ok());
    CHECK(format_filter(*filter) == text);
    auto decoded = from_ber(to_ber(*filter));
    REQUIRE(decoded.ok());
    CHECK(*decoded == *filter);
  }
}

TEST_CASE("filter string parses into the AST", "[directory][protocol]") {
  auto filter = parse_filter("(&(objectClass=person)(cn=J*n\\2a*x))");
  REQUIRE(filter.ok());
  REQUIRE(filter->type == FilterType::kAnd);
  REQUIRE(filter->children.size() == 2);
  CHECK(filter->children[0] ==
        Filter::make_assertion(FilterType::kEqualityMatch, "objectClass", "person"));
  const Filter& substrings = filter->children[1];
  REQUIRE(substrings.type == FilterType::kSubstrings);
  CHECK(substrings.substrings.type == "cn");
  CHECK(substrings.substrings.initial == "J");
  CHECK(substrings.substrings.any == std::vector<std::string>{"n*"});
  CHECK(substrings.substrings.final_value == "x");

  auto extensible = parse_filter("(sn:DN:2.4.6.8.10:=Barney)");
  REQUIRE(extensible.ok());
  CHECK(extensible->extensible.type == "sn");
  CHECK(extensible->extensible.dn_attributes);
  CHECK(extensible->extensible.matching_rule == "2.4.6.8.10");
  CHECK(extensible->extensible.match_value == "Barney");
}

TEST_CASE("filter string normalises its output", "[directory][protocol]") {
  CHECK(format_filter(*parse_filter("(cn=a**b)")) == "(cn=a*b)");
  CHECK(format_filter(*parse_filter("(cn=\\4A\\6f)")) == "(cn=Jo)");
  CHECK(format_filter(*parse_filter("(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)")) ==
        "(1.3.6.1.4.1.1466.0=\\04\\02Hi)");
  CHECK(format_filter(Filter::make_assertion(FilterType::kEqualityMatch, "cn", "a\nb")) ==
        "(cn=a\\0ab)");
}

TEST_CASE("filter string rejects bad syntax", "[directory][protocol]") {
  const char* cases[] = {
      "",         "cn=x",     "(cn=x",       "(cn=x))",       "((cn=x))",
      "(=x)",     "(cn)",     "(cn=a(b)",    "(cn=\\zz)",     "(cn=\\4)",
      "(cn~=a*)", "(cn>=*)",  "(!)",         "(!(a=b)(c=d))", "(&(a=b)c=d)",
      "(:=x)",    "(:dn:=x)", "(cn:a:b:=x)", "(cn:=a*)",      "(c n=x)",
  };
  for (const char* text : cases) {
    INFO(text);
    CHECK_FALSE(parse_filter(text).ok());
  }
}

TEST_CASE("filter string nesting bomb rejected", "[directory][protocol]") {
  std::string at_limit;
  for (int i = 1; i < 64; ++i) {
    at_limit += "(!";
  }
  at_limit += "(cn=x)" + std::string(63, ')');
  CHECK(parse_filter(at_limit).ok());

  std::string over = "(!" + at_limit + ")";
  auto result = parse_filter(over);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == careid::StatusCode::kResourceExhausted);

  std::string bomb(100000, '(');
  CHECK_FALSE(parse_filter(bomb).ok());
}

TEST_CASE("filter BER matches ldapsearch bytes", "[directory][protocol]") {
  // The filter element that OpenLDAP 2.5 ldapsearch sent for this filter string.
  std::string captured = from_hex(
      "a034a315040b6f626a656374436c6173730406706572736f6ea11ba40d0402636e300780014a82026e2a"
      "a20aa3080403756964040178");
  auto filter = parse_filter("(&(objectClass=person)(|(cn=J*n\\2a)(!(uid=x))))");
  REQUIRE(filter.ok());
  CHECK(to_ber(*filter) == captured);
  auto decoded = from_ber(captured);
  REQUIRE(decoded.ok());
  CHECK(*decoded == *filter);

  CHECK(to_ber(Filter::make_present("cn")) == bytes({0x87, 0x02, 'c', 'n'}));
  CHECK(to_ber(*parse_filter("(&)")) == bytes({0xA0, 0x00}));
  CHECK(to_ber(*parse_filter("(|)")) == bytes({0xA1, 0x00}));
}

TEST_CASE("filter BER nesting bomb rejected", "[directory][protocol]") {
  CHECK(from_ber(nested_not_ber(64)).ok());
  auto over = from_ber(nested_not_ber(65));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == careid::StatusCode::kResourceExhausted);
  CHECK_FALSE(from_ber(nested_not_ber(5000)).ok());

  FilterLimits shallow;
  shallow.max_depth = 3;
  CHECK(from_ber(nested_not_ber(3), shallow).ok());
  CHECK_FALSE(from_ber(nested_not_ber(4), shallow).ok());
}

TEST_CASE("filter BER set size limits", "[directory][protocol]") {
  auto make_and = [](std::size_t count) {
    std::vector<Filter> children(count, Filter::make_present("cn"));
    return to_ber(Filter::make_and(std::move(children)));
  };
  CHECK(from_ber(make_and(512)).ok());
  auto over = from_ber(make_and(513));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == careid::StatusCode::kResourceExhausted);

  FilterLimits few_nodes;
  few_nodes.max_nodes = 10;
  CHECK(from_ber(make_and(9), few_nodes).ok());
  CHECK_FALSE(from_ber(make_and(10), few_nodes).ok());
}

TEST_CASE("filter BER substring order enforced", "[directory][protocol]") {
  auto substring_ber = [](std::initializer_list<int> part_tags) {
    ber::Writer writer;
    writer.begin_constructed(ber::context_tag(4, true));
    writer.write_octet_string("cn");
    writer.begin_constructed();
    for (int tag : part_tags) {
      writer.write_octet_string("v", ber::context_tag(tag));
    }
    writer.end_constructed();
    writer.end_constructed();
    return writer.finish();
  };
  CHECK(from_ber(substring_ber({0, 1, 1, 2})).ok());
  CHECK(from_ber(substring_ber({1})).ok());
  CHECK_FALSE(from_ber(substring_ber({})).ok());
  CHECK_FALSE(from_ber(substring_ber({0, 0})).ok());
  CHECK_FALSE(from_ber(substring_ber({1, 0})).ok());
  CHECK_FALSE(from_ber(substring_ber({2, 2})).ok());
  CHECK_FALSE(from_ber(substring_ber({2, 1})).ok());
  CHECK_FALSE(from_ber(substring_ber({3})).ok());
}

TEST_CASE("filter BER rejects malformed items", "[directory][protocol]") {
  // Unknown choice [10], primitive and, constructed present, empty present.
  CHECK_FALSE(from_ber(bytes({0xAA, 0x00})).ok());
  CHECK_FALSE(from_ber(bytes({0x80, 0x00})).ok());
  CHECK_FALSE(from_ber(bytes({0xA7, 0x00})).ok());
  CHECK_FALSE(from_ber(bytes({0x87, 0x00})).ok());
  // Equality with a missing value, and with an extra element.
  CHECK_FALSE(from_ber(bytes({0xA3, 0x04, 0x04, 0x02, 'c', 'n'})).ok());
  CHECK_FALSE(from_ber(bytes({0xA3, 0x08, 0x04, 0x02, 'c', 'n', 0x04, 0x00, 0x04, 0x00})).ok());
  // not with two filters inside.
  CHECK_FALSE(from_ber(bytes({0xA2, 0x08, 0x87, 0x02, 'c', 'n', 0x87, 0x02, 's', 'n'})).ok());
  // Extensible match with neither matchingRule nor type.
  CHECK_FALSE(from_ber(bytes({0xA9, 0x03, 0x83, 0x01, 'x'})).ok());
  // Indefinite length.
  CHECK_FALSE(from_ber(bytes({0xA0, 0x80, 0x87, 0x02, 'c', 'n', 0x00, 0x00})).ok());
}

TEST_CASE("filter BER truncation never crashes", "[directory][protocol]") {
  std::string full = to_ber(*parse_filter(
      "(&(objectClass=person)(|(cn=J*n*x)(!(uid=x)))(sn:dn:2.5.13.5:=y)(age>=3)(mail=*))"));
  for (std::size_t size = 0; size < full.size(); ++size) {
    INFO("prefix of " << size << " octets");
    CHECK_FALSE(from_ber(std::string_view(full).substr(0, size)).ok());
  }
  CHECK(from_ber(full).ok());
}
