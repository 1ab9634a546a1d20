#include "directory/dn/dn.h"

#include <catch2/catch.hpp>
#include <string>

#include "directory/dn/utf8.h"

using careid::directory::dn::Ava;
using careid::directory::dn::Dn;
using careid::directory::dn::escape_value;
using careid::directory::dn::is_valid_utf8;
using careid::directory::dn::kMaxDnLength;
using careid::directory::dn::kMaxRdns;

namespace {

Dn parse_ok(const std::string& text) {
  auto dn = Dn::parse(text);
  INFO(text << " -> " << (dn.ok() ? std::string("ok") : dn.status().message()));
  REQUIRE(dn.ok());
  return *dn;
}

}  // namespace

TEST_CASE("DN parse RFC 4514 examples", "[directory][dn]") {
  // RFC 4514 4: the examples, each with the value it must decode to.
  struct Case {
    std::string text;
    std::size_t depth;
    std::string first_type;
    std::string first_value;
  };
  const Case cases[] = {
      {"UID=jsmith,DC=example,DC=net", 3, "UID", "jsmith"},
      {"OU=Sales+CN=J.  Smith,DC=example,DC=net", 3, "OU", "Sales"},
      {"CN=James \\\"Jim\\\" Smith\\, III,DC=example,DC=net", 3, "CN", "James \"Jim\" Smith, III"},
      {"CN=Before\\0dAfter,DC=example,DC=net", 3, "CN", "Before\rAfter"},
      {"1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com", 3, "1.3.6.1.4.1.1466.0",
       std::string("\x04\x02Hi", 4)},
      {"CN=Lu\\C4\\8Di\\C4\\87", 1, "CN",
       "Lu\xC4\x8D"
       "i\xC4\x87"},
  };
  for (const Case& c : cases) {
    Dn dn = parse_ok(c.text);
    CHECK(dn.depth() == c.depth);
    CHECK(dn.rdn().avas.front().type == c.first_type);
    CHECK(dn.rdn().avas.front().value == c.first_value);
  }

  Dn multi = parse_ok("OU=Sales+CN=J.  Smith,DC=example,DC=net");
  REQUIRE(multi.rdn().avas.size() == 2);
  CHECK(multi.rdn().avas[1].value == "J.  Smith");
  CHECK(parse_ok("1.3.6.1.4.1.1466.0=#04024869").rdn().avas[0].ber_encoded);
}

TEST_CASE("DN parse escapes and spaces", "[directory][dn]") {
  const std::pair<std::string, std::string> cases[] = {
      {"cn=a\\,b", "a,b"},         {"cn=a\\+b", "a+b"},
      {"cn=a\\\"b", "a\"b"},       {"cn=a\\\\b", "a\\b"},
      {"cn=a\\<b\\>", "a<b>"},     {"cn=a\\;b", "a;b"},
      {"cn=a\\=b", "a=b"},         {"cn=a=b", "a=b"},
      {"cn=\\#hash", "#hash"},     {"cn=a#b", "a#b"},
      {"cn=\\ lead", " lead"},     {"cn=trail\\ ", "trail "},
      {"cn=  spaced  ", "spaced"}, {"cn=in  side", "in  side"},
      {"cn=\\41\\42", "AB"},       {"cn=", ""},
      {"cn=x\\20\\20", "x  "},     {"cn=caf\xC3\xA9", "caf\xC3\xA9"},
  };
  for (const auto& [text, value] : cases) {
    Dn dn = parse_ok(text);
    CHECK(dn.rdn().avas.front().value == value);
  }

  Dn spaced = parse_ok("  UID=X , OU=people ,  o=NHS  ");
  REQUIRE(spaced.depth() == 3);
  CHECK(spaced.rdns()[1].avas[0].value == "people");
  CHECK(spaced.rdns()[2].avas[0].value == "NHS");

  Dn plus = parse_ok("cn=a + sn=b,o=x");
  REQUIRE(plus.rdn().avas.size() == 2);
  CHECK(plus.rdn().avas[1].type == "sn");
}

TEST_CASE("DN parse root and OIDs", "[directory][dn]") {
  CHECK(parse_ok("").is_root());
  CHECK(parse_ok("   ").is_root());
  CHECK(parse_ok("2.5.4.3=x").rdn().avas[0].type == "2.5.4.3");
  CHECK(parse_ok("0.9.2342.19200300.100.1.1=x").rdn().avas[0].type == "0.9.2342.19200300.100.1.1");
  CHECK(parse_ok("nhs-code2=1").rdn().avas[0].type == "nhs-code2");
}

TEST_CASE("DN parse rejects invalid input", "[directory][dn]") {
  const std::pair<std::string, std::string> cases[] = {
      {"cn", "expected '='"},
      {"=x", "expected an attribute type"},
      {"cn=x,", "expected an attribute type"},
      {",cn=x", "expected an attribute type"},
      {"cn=x,,o=y", "expected an attribute type"},
      {"cn=x+", "expected an attribute type"},
      {"cn=a;o=b", "must be escaped"},
      {"cn=a\"b", "must be escaped"},
      {"cn=a<b", "must be escaped"},
      {"cn=a\\", "at end of DN"},
      {"cn=a\\zz", "two hex digits"},
      {"cn=a\\4", "two hex digits"},
      {"cn=#", "expected hex digits"},
      {"cn=#123", "odd number"},
      {"cn=#12zz", "unexpected 'z'"},
      {"cn=\\ff", "not valid UTF-8"},
      {"cn=\xC3", "not valid UTF-8"},
      {"1=x", "at least two arcs"},
      {"1.=x", "expected a digit"},
      {"1.02=x", "leading zero"},
      {"-cn=x", "expected an attribute type"},
      {"c n=x", "expected '='"},
      {std::string("cn=a\0b", 6), "must be escaped"},
  };
  for (const auto& [text, problem] : cases) {
    auto dn = Dn::parse(text);
    INFO(text);
    REQUIRE_FALSE(dn.ok());
    CHECK(dn.status().code() == careid::StatusCode::kInvalidArgument);
    CHECK_THAT(dn.status().message(), Catch::Contains(problem));
    CHECK_THAT(dn.status().message(), Catch::Contains("offset"));
  }
}

TEST_CASE("DN parse error names offset", "[directory][dn]") {
  auto dn = Dn::parse("cn=x,ou=a;b");
  REQUIRE_FALSE(dn.ok());
  CHECK(dn.status().message() == "invalid DN at offset 9: character ';' must be escaped with '\\'");
}

TEST_CASE("DN parse enforces limits", "[directory][dn]") {
  std::string many;
  for (std::size_t i = 0; i <= kMaxRdns; ++i) {
    many += (i ? ",dc=x" : "dc=x");
  }
  auto too_many = Dn::parse(many);
  REQUIRE_FALSE(too_many.ok());
  CHECK_THAT(too_many.status().message(), Catch::Contains("RDNs"));

  std::string at_limit;
  for (std::size_t i = 0; i < kMaxRdns; ++i) {
    at_limit += (i ? ",dc=x" : "dc=x");
  }
  CHECK(Dn::parse(at_limit).ok());

  auto too_long = Dn::parse("cn=" + std::string(kMaxDnLength, 'a'));
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.status().message(), Catch::Contains("maximum"));
}

TEST_CASE("DN parse survives every truncation", "[directory][dn]") {
  const std::string full = "cn=Smith\\, J\\C3\\A9+uid=1,ou=People,1.2.3=#0401ff,o=nhs";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    auto dn = Dn::parse(full.substr(0, n));
    if (dn.ok()) {
      CHECK(Dn::parse(dn->to_string()).ok());
    }
  }
}

TEST_CASE("DN print escapes values", "[directory][dn]") {
  const std::pair<std::string, std::string> round_trips[] = {
      {"cn=a\\,b", "cn=a\\,b"},
      {"CN=James \\\"Jim\\\" Smith\\, III,DC=example",
       "CN=James \\\"Jim\\\" Smith\\, III,DC=example"},
      {"cn=\\#x", "cn=\\#x"},
      {"cn=x#", "cn=x#"},
      {"cn=\\ a\\ ", "cn=\\ a\\ "},
      {"cn=a\\3Bb", "cn=a\\;b"},
      {"cn=a\\00b", "cn=a\\00b"},
      {" UID=X , OU=people , o=NHS ", "UID=X,OU=people,o=NHS"},
      {"OU=Sales + CN=J. Smith", "OU=Sales+CN=J. Smith"},
      {"1.3.6.1.4.1.1466.0=#04024869", "1.3.6.1.4.1.1466.0=#04024869"},
      {"cn=\\41", "cn=A"},
      {"", ""},
  };
  for (const auto& [text, printed] : round_trips) {
    CHECK(parse_ok(text).to_string() == printed);
    CHECK(parse_ok(printed).to_string() == printed);
  }
  CHECK(escape_value("a<b>c") == "a\\<b\\>c");
  CHECK(escape_value(" ") == "\\ ");
}

TEST_CASE("DN parent rdn depth descendant", "[directory][dn]") {
  Dn person = parse_ok("uid=123,ou=People,o=nhs");
  Dn people = parse_ok("ou=people, O=NHS");
  Dn nhs = parse_ok("o=nhs");
  Dn root;

  CHECK(person.depth() == 3);
  CHECK(person.rdn().avas[0].value == "123");
  CHECK(person.parent().to_string() == "ou=People,o=nhs");
  CHECK(person.parent().parent().parent().is_root());
  CHECK(root.parent().is_root());

  CHECK(person.is_descendant_of(people));
  CHECK(person.is_descendant_of(nhs));
  CHECK(person.is_descendant_of(root));
  CHECK_FALSE(person.is_descendant_of(person));
  CHECK(person.is_within(person));
  CHECK_FALSE(people.is_descendant_of(person));
  CHECK_FALSE(root.is_descendant_of(root));
  CHECK_FALSE(parse_ok("uid=1,ou=Staff,o=nhs").is_descendant_of(people));

  // An escaped comma inside a value is not an RDN boundary.
  CHECK_FALSE(parse_ok("cn=x\\,ou=people,o=nhs").is_descendant_of(people));
  CHECK(parse_ok("cn=x\\,ou=people,o=nhs").is_descendant_of(nhs));

  Ava ava{"cn", "new", false};
  CHECK(people.child({{ava}}).to_string() == "cn=new,ou=people,O=NHS");
}

TEST_CASE("DN normalise gives one key", "[directory][dn]") {
  auto a = parse_ok("UID=X , OU=people,o=NHS").normalise();
  auto b = parse_ok("uid=x,ou=People,o=nhs").normalise();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  CHECK(*a == "uid=x,ou=people,o=nhs");

  auto multi1 = parse_ok("cn=A  B+uid=1,o=x").normalise();
  auto multi2 = parse_ok("UID=1 + CN= a b ,O=X").normalise();
  REQUIRE(multi1.ok());
  REQUIRE(multi2.ok());
  CHECK(*multi1 == *multi2);
  CHECK(*multi1 == "cn=a b+uid=1,o=x");

  CHECK(*parse_ok("cn=a\\,b").normalise() == "cn=a\\,b");
  CHECK(*parse_ok("").normalise() == "");
}

TEST_CASE("DN normalise uses caller normaliser", "[directory][dn]") {
  careid::directory::dn::Normaliser normaliser{
      [](std::string_view type) -> careid::Result<std::string> {
        if (type == "2.5.4.3" || type == "commonName" || type == "CN") {
          return std::string("cn");
        }
        return careid::Status::not_found("unknown attribute type " + std::string(type));
      },
      [](std::string_view, std::string_view value) -> careid::Result<std::string> {
        return std::string(value);
      },
  };
  auto by_oid = parse_ok("2.5.4.3=Smith").normalise(normaliser);
  auto by_name = parse_ok("commonName=Smith").normalise(normaliser);
  REQUIRE(by_oid.ok());
  REQUIRE(by_name.ok());
  CHECK(*by_oid == *by_name);
  CHECK(*by_oid == "cn=Smith");

  auto unknown = parse_ok("xyz=1").normalise(normaliser);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("xyz"));
}

TEST_CASE("UTF-8 validation table", "[directory][dn]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xC3\xA9"));
  CHECK(is_valid_utf8("\xE2\x82\xAC"));
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("\xFF"));
}
