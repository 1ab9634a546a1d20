#include "directory/ber/writer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "directory/ber/reader.h"

namespace ber = careid::directory::ber;

namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int octet : octets) {
    out += static_cast<char>(octet);
  }
  return out;
}

std::string encode_integer(std::int64_t value) {
  ber::Writer writer;
  writer.write_integer(value);
  return writer.finish();
}

}  // namespace

TEST_CASE("writer encodes minimal integers", "[directory][ber]") {
  CHECK(encode_integer(0) == bytes({0x02, 0x01, 0x00}));
  CHECK(encode_integer(127) == bytes({0x02, 0x01, 0x7F}));
  CHECK(encode_integer(128) == bytes({0x02, 0x02, 0x00, 0x80}));
  CHECK(encode_integer(256) == bytes({0x02, 0x02, 0x01, 0x00}));
  CHECK(encode_integer(-1) == bytes({0x02, 0x01, 0xFF}));
  CHECK(encode_integer(-128) == bytes({0x02, 0x01, 0x80}));
  CHECK(encode_integer(-129) == bytes({0x02, 0x02, 0xFF, 0x7F}));
  CHECK(encode_integer(2147483647) == bytes({0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF}));
  CHECK(encode_integer(std::numeric_limits<std::int64_t>::min()) ==
        bytes({0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("writer integers round trip", "[directory][ber]") {
  std::int64_t values[] = {0,
                           1,
                           -1,
                           127,
                           128,
                           -128,
                           -129,
                           255,
                           32767,
                           32768,
                           -32769,
                           2147483647,
                           -2147483648LL,
                           1LL << 40,
                           std::numeric_limits<std::int64_t>::max(),
                           std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t value : values) {
    std::string encoded = encode_integer(value);
    ber::Reader reader(encoded);
    auto decoded = reader.read_integer();
    REQUIRE(decoded.ok());
    CHECK(*decoded == value);
    CHECK(reader.non_minimal_integers() == 0);
  }
}

TEST_CASE("writer uses minimal lengths", "[directory][ber]") {
  struct Case {
    std::size_t size;
    std::string header;
  };
  const Case cases[] = {
      {0, bytes({0x04, 0x00})},
      {127, bytes({0x04, 0x7F})},
      {128, bytes({0x04, 0x81, 0x80})},
      {255, bytes({0x04, 0x81, 0xFF})},
      {256, bytes({0x04, 0x82, 0x01, 0x00})},
      {65536, bytes({0x04, 0x83, 0x01, 0x00, 0x00})},
  };
  for (const Case& c : cases) {
    ber::Writer writer;
    writer.write_octet_string(std::string(c.size, 'a'));
    std::string out = writer.finish();
    CHECK(out.substr(0, c.header.size()) == c.header);
    CHECK(out.size() == c.header.size() + c.size);
  }
}

TEST_CASE("writer back-patches nested lengths", "[directory][ber]") {
  ber::Writer writer;
  writer.begin_constructed();
  writer.begin_constructed(ber::kSetTag);
  writer.write_octet_string(std::string(130, 'x'));
  writer.end_constructed();
  writer.write_null();
  writer.end_constructed();
  CHECK(writer.open_elements() == 0);
  std::string out = writer.finish();

  // Inner SET: 3-octet OCTET STRING header + 130 = 133 content; outer: 3 + 133 + 2 = 138.
  CHECK(out.substr(0, 3) == bytes({0x30, 0x81, 0x8A}));
  CHECK(out.substr(3, 3) == bytes({0x31, 0x81, 0x85}));
  CHECK(out.size() == 3 + 138);

  ber::Reader reader(out);
  auto outer = reader.read_constructed();
  REQUIRE(outer.ok());
  auto set = outer->read_constructed(ber::kSetTag);
  REQUIRE(set.ok());
  CHECK(set->read_octet_string()->size() == 130);
  CHECK(outer->read_null().ok());
}

TEST_CASE("writer encodes high tag numbers", "[directory][ber]") {
  ber::Writer writer;
  writer.write_null(ber::context_tag(31));
  writer.write_null(ber::application_tag(200));
  writer.write_boolean(false, ber::context_tag(4));
  std::string out = writer.finish();
  CHECK(out == bytes({0x9F, 0x1F, 0x00, 0x5F, 0x81, 0x48, 0x00, 0x84, 0x01, 0x00}));

  ber::Reader reader(out);
  CHECK(reader.read_null(ber::context_tag(31)).ok());
  CHECK(reader.read_null(ber::application_tag(200)).ok());
  CHECK(*reader.read_boolean(ber::context_tag(4)) == false);
}
