#include <catch2/catch.hpp>

#include "pki/digest.h"
#include "pki/encoding.h"

using careid::pki::as_bytes;
using careid::pki::Bytes;
using careid::pki::hex_encode;

TEST_CASE("sha1 and sha256 match FIPS 180 vectors", "[pki][digest]") {
  // FIPS 180-2 appendix examples for "abc".
  auto sha1 = careid::pki::sha1(as_bytes("abc"));
  REQUIRE(sha1.ok());
  CHECK(hex_encode(*sha1) == "a9993e364706816aba3e25717850c26c9cd0d89d");

  auto sha256 = careid::pki::sha256(as_bytes("abc"));
  REQUIRE(sha256.ok());
  CHECK(hex_encode(*sha256) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  auto empty = careid::pki::sha256(as_bytes(""));
  REQUIRE(empty.ok());
  CHECK(hex_encode(*empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("hmac sha256 matches RFC 4231", "[pki][digest]") {
  // RFC 4231 section 4.3, test case 2.
  auto mac = careid::pki::hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"));
  REQUIRE(mac.ok());
  CHECK(hex_encode(*mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  auto empty_key = careid::pki::hmac_sha256(as_bytes(""), as_bytes("data"));
  REQUIRE(empty_key.ok());
  CHECK(empty_key->size() == careid::pki::kSha256Bytes);
}

TEST_CASE("random bytes vary and are bounded", "[pki][digest]") {
  auto first = careid::pki::random_bytes(32);
  auto second = careid::pki::random_bytes(32);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->size() == 32);
  CHECK(*first != *second);

  auto none = careid::pki::random_bytes(0);
  REQUIRE(none.ok());
  CHECK(none->empty());

  auto too_many = careid::pki::random_bytes(careid::pki::kMaxRandomBytes + 1);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().code() == careid::StatusCode::kInvalidArgument);
}

TEST_CASE("constant time compare checks content", "[pki][digest]") {
  Bytes a = {1, 2, 3};
  Bytes b = {1, 2, 3};
  Bytes c = {1, 2, 4};
  Bytes shorter = {1, 2};
  CHECK(careid::pki::constant_time_equal(a, b));
  CHECK_FALSE(careid::pki::constant_time_equal(a, c));
  CHECK_FALSE(careid::pki::constant_time_equal(a, shorter));
  CHECK(careid::pki::constant_time_equal(Bytes{}, Bytes{}));
}
