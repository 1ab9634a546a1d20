#include "directory/ber/reader.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "directory/ber/writer.h"

using careid::directory::ber::Reader;
namespace ber = careid::directory::ber;

namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int octet : octets) {
    out += static_cast<char>(octet);
  }
  return out;
}

}  // namespace

TEST_CASE("reader parses single-octet tags", "[directory][ber]") {
  const std::string reader_input = bytes({0x63, 0x00, 0x87, 0x00, 0xC1, 0x00});
  Reader reader(reader_input);

  auto first = reader.read_element();
  REQUIRE(first.ok());
  CHECK(first->tag == ber::application_tag(3, true));
  auto second = reader.read_element();
  REQUIRE(second.ok());
  CHECK(second->tag == ber::context_tag(7));
  auto third = reader.read_element();
  REQUIRE(third.ok());
  CHECK(third->tag.tag_class == ber::TagClass::kPrivate);
  CHECK(reader.at_end());
}

TEST_CASE("reader parses multi-byte tag numbers", "[directory][ber]") {
  const std::string reader_input = bytes({0x9F, 0x1F, 0x00, 0xBF, 0x81, 0x00, 0x01, 0xAA});
  Reader reader(reader_input);

  auto low = reader.read_element();
  REQUIRE(low.ok());
  CHECK(low->tag == ber::context_tag(31));
  auto high = reader.read_element();
  REQUIRE(high.ok());
  CHECK(high->tag == ber::context_tag(128, true));
  CHECK(high->content == bytes({0xAA}));
}

TEST_CASE("reader rejects non-minimal tag numbers", "[directory][ber]") {
  CHECK_FALSE(Reader(bytes({0x9F, 0x80, 0x20, 0x00})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x9F, 0x05, 0x00})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x9F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00})).read_element().ok());
}

TEST_CASE("reader accepts short and long lengths", "[directory][ber]") {
  std::string long_content(300, 'x');
  std::string input = bytes({0x04, 0x82, 0x01, 0x2C}) + long_content;
  Reader reader(input);
  auto value = reader.read_octet_string();
  REQUIRE(value.ok());
  CHECK(value->size() == 300);

  // BER allows a longer length form than needed; some clients always send 0x84.
  const std::string padded_input = bytes({0x04, 0x84, 0x00, 0x00, 0x00, 0x02, 'o', 'k'});
  Reader padded(padded_input);
  auto padded_value = padded.read_octet_string();
  REQUIRE(padded_value.ok());
  CHECK(*padded_value == "ok");
}

TEST_CASE("reader rejects indefinite length", "[directory][ber]") {
  auto result = Reader(bytes({0x30, 0x80, 0x04, 0x00, 0x00, 0x00})).read_element();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("indefinite") != std::string::npos);
}

TEST_CASE("reader rejects bad length octets", "[directory][ber]") {
  CHECK_FALSE(Reader(bytes({0x04, 0xFF, 0x00})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 'a'})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x04, 0x02, 'a'})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 'a'})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x04, 0x81})).read_element().ok());
  CHECK_FALSE(Reader(bytes({0x04})).read_element().ok());
  CHECK_FALSE(Reader("").read_element().ok());
}

TEST_CASE("reader decodes integer values", "[directory][ber]") {
  struct Case {
    std::string encoded;
    std::int64_t value;
  };
  const Case cases[] = {
      {bytes({0x02, 0x01, 0x00}), 0},
      {bytes({0x02, 0x01, 0x7F}), 127},
      {bytes({0x02, 0x02, 0x00, 0x80}), 128},
      {bytes({0x02, 0x01, 0xFF}), -1},
      {bytes({0x02, 0x01, 0x80}), -128},
      {bytes({0x02, 0x02, 0xFF, 0x7F}), -129},
      {bytes({0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF}), 2147483647},
      {bytes({0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0}), std::numeric_limits<std::int64_t>::min()},
      {bytes({0x02, 0x08, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
       std::numeric_limits<std::int64_t>::max()},
  };
  for (const Case& c : cases) {
    Reader reader(c.encoded);
    auto value = reader.read_integer();
    REQUIRE(value.ok());
    CHECK(*value == c.value);
    CHECK(reader.non_minimal_integers() == 0);
  }
}

TEST_CASE("reader rejects empty and oversized integers", "[directory][ber]") {
  CHECK_FALSE(Reader(bytes({0x02, 0x00})).read_integer().ok());
  CHECK_FALSE(Reader(bytes({0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1})).read_integer().ok());
  CHECK_FALSE(Reader(bytes({0x04, 0x01, 0x01})).read_integer().ok());
}

TEST_CASE("reader counts non-minimal integers", "[directory][ber]") {
  const std::string reader_input =
      bytes({0x02, 0x02, 0x00, 0x05, 0x02, 0x02, 0xFF, 0xFF, 0x0A, 0x02, 0x00, 0x01});
  Reader reader(reader_input);
  CHECK(*reader.read_integer() == 5);
  CHECK(*reader.read_integer() == -1);
  CHECK(*reader.read_enumerated() == 1);
  CHECK(reader.non_minimal_integers() == 3);
}

TEST_CASE("reader decodes booleans strictly", "[directory][ber]") {
  CHECK(*Reader(bytes({0x01, 0x01, 0xFF})).read_boolean() == true);
  CHECK(*Reader(bytes({0x01, 0x01, 0x01})).read_boolean() == true);
  CHECK(*Reader(bytes({0x01, 0x01, 0x00})).read_boolean() == false);
  CHECK_FALSE(Reader(bytes({0x01, 0x00})).read_boolean().ok());
  CHECK_FALSE(Reader(bytes({0x01, 0x02, 0xFF, 0xFF})).read_boolean().ok());
}

TEST_CASE("reader checks null and octet strings", "[directory][ber]") {
  CHECK(Reader(bytes({0x05, 0x00})).read_null().ok());
  CHECK_FALSE(Reader(bytes({0x05, 0x01, 0x00})).read_null().ok());
  // Constructed OCTET STRING is forbidden by RFC 4511 5.1.
  CHECK_FALSE(Reader(bytes({0x24, 0x03, 0x04, 0x01, 'a'})).read_octet_string().ok());
  const std::string context_input = bytes({0x80, 0x02, 'h', 'i'});
  auto context = Reader(context_input).read_octet_string(ber::context_tag(0));
  REQUIRE(context.ok());
  CHECK(*context == "hi");
}

TEST_CASE("reader enters and skips sequences", "[directory][ber]") {
  std::string input =
      bytes({0x30, 0x08, 0x02, 0x01, 0x05, 0x31, 0x03, 0x04, 0x01, 'z', 0x05, 0x00});
  Reader reader(input);
  auto sequence = reader.read_constructed();
  REQUIRE(sequence.ok());
  CHECK(*sequence->read_integer() == 5);
  CHECK(sequence->next_is(ber::kSetTag));
  CHECK(sequence->skip_element().ok());
  CHECK(sequence->at_end());
  CHECK(sequence->expect_end("sequence").ok());
  CHECK_FALSE(reader.expect_end("input").ok());
  CHECK(reader.read_null().ok());
  CHECK(reader.at_end());
}

TEST_CASE("reader reports tag mismatches", "[directory][ber]") {
  const std::string reader_input = bytes({0x04, 0x00});
  Reader reader(reader_input);
  auto result = reader.read_integer();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("expected [UNIVERSAL 2]") != std::string::npos);
  CHECK_FALSE(Reader(bytes({0x04, 0x00})).read_constructed(ber::kOctetStringTag).ok());
}

TEST_CASE("reader survives truncation everywhere", "[directory][ber]") {
  ber::Writer writer;
  writer.begin_constructed();
  writer.write_integer(300);
  writer.begin_constructed(ber::context_tag(40, true));
  writer.write_octet_string(std::string(200, 'v'));
  writer.write_boolean(true);
  writer.end_constructed();
  writer.end_constructed();
  std::string full = writer.finish();

  for (std::size_t size = 0; size < full.size(); ++size) {
    Reader reader(std::string_view(full).substr(0, size));
    INFO("prefix of " << size << " octets");
    CHECK_FALSE(reader.read_constructed().ok());
  }

  Reader reader(full);
  auto sequence = reader.read_constructed();
  REQUIRE(sequence.ok());
  CHECK(*sequence->read_integer() == 300);
  auto inner = sequence->read_constructed(ber::context_tag(40, true));
  REQUIRE(inner.ok());
  CHECK(inner->read_octet_string()->size() == 200);
  CHECK(*inner->read_boolean());
}
