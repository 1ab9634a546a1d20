#include <catch2/catch.hpp>

#include "pki/digest.h"
#include "pki/encoding.h"

using careid::pki::as_bytes;
using careid::pki::base64_decode;
using careid::pki::base64_encode;
using careid::pki::Base64Padding;
using careid::pki::Bytes;
using careid::pki::hex_decode;
using careid::pki::hex_encode;
using careid::pki::to_string;

TEST_CASE("base64 matches RFC 4648 vectors", "[pki][encoding]") {
  // RFC 4648 section 10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(as_bytes(plain)) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(to_string(*decoded) == plain);
  }
}

TEST_CASE("base64 without padding round trips", "[pki][encoding]") {
  CHECK(base64_encode(as_bytes("somesalt"), Base64Padding::kNone) == "c29tZXNhbHQ");
  CHECK(base64_encode(as_bytes("fo"), Base64Padding::kNone) == "Zm8");
  auto decoded = base64_decode("c29tZXNhbHQ", Base64Padding::kNone);
  REQUIRE(decoded.ok());
  CHECK(to_string(*decoded) == "somesalt");

  for (int size = 0; size < 40; ++size) {
    Bytes data(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) {
      data[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i * 37 + 11);
    }
    for (auto padding : {Base64Padding::kRequired, Base64Padding::kNone}) {
      auto back = base64_decode(base64_encode(data, padding), padding);
      REQUIRE(back.ok());
      CHECK(*back == data);
    }
  }
}

TEST_CASE("base64 decode rejects malformed text", "[pki][encoding]") {
  const char* bad_padded[] = {
      "Zg=",       // length not a multiple of 4
      "Zg",        // padding missing
      "Z===",      // three padding characters
      "Zm9v\n",    // whitespace
      "Zm 9v",     // space inside
      "Zg==Zg==",  // padding in the middle
      "Zh==",      // non-zero unused bits (canonical form is Zg==)
      "Zm9=",      // non-zero unused bits (canonical form is Zm8=)
      "Zm9v!A==",  // character outside the alphabet
      "Zm-_",      // URL-safe alphabet
      "=Zg=",      // padding first
      "Z",         // lone character
  };
  for (const char* text : bad_padded) {
    INFO(text);
    auto decoded = base64_decode(text);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == careid::StatusCode::kInvalidArgument);
  }

  const char* bad_unpadded[] = {"Zg==", "Zm8=", "Z", "Zh", "c29tZXNhbHQ=", "c29t ZXNh"};
  for (const char* text : bad_unpadded) {
    INFO(text);
    CHECK_FALSE(base64_decode(text, Base64Padding::kNone).ok());
  }
}

TEST_CASE("hex encodes and decodes", "[pki][encoding]") {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  CHECK(hex_encode(data) == "0001abff");

  auto lower = hex_decode("0001abff");
  REQUIRE(lower.ok());
  CHECK(*lower == data);
  auto upper = hex_decode("0001ABFF");
  REQUIRE(upper.ok());
  CHECK(*upper == data);

  CHECK_FALSE(hex_decode("abc").ok());
  CHECK_FALSE(hex_decode("zz").ok());
  CHECK_FALSE(hex_decode("0x00").ok());
  auto empty = hex_decode("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}
