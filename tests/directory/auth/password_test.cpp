#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/auth/password.h"
#include "pki/digest.h"
#include "pki/encoding.h"

using careid::Status;
using careid::StatusCode;
using careid::directory::auth::Argon2Params;
using careid::directory::auth::hash_password;
using careid::directory::auth::PasswordScheme;
using careid::directory::auth::verify_password;

namespace {

// Cheap parameters so that the tests run fast; the defaults get one test of their own.
Argon2Params fast_argon2() {
  Argon2Params params;
  params.memory_kib = 64;
  params.iterations = 1;
  return params;
}

// Expects verify_password to return false with an error of `code`.
void check_rejected(std::string_view stored, StatusCode code) {
  INFO(stored);
  Status error;
  CHECK_FALSE(verify_password(stored, "secret", &error));
  CHECK(error.code() == code);
  // The message never repeats the password.
  CHECK_THAT(error.message(), !Catch::Contains("secret"));
}

}  // namespace

TEST_CASE("SSHA matches an OpenLDAP value", "[directory][auth]") {
  // slappasswd form for password "secret" and the 4-byte salt 01 02 03 04: base64 of
  // SHA1("secret" + salt) followed by the salt, computed independently with Python's hashlib.
  const char* stored = "{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME";
  Status error;
  CHECK(verify_password(stored, "secret", &error));
  CHECK(error.ok());
  CHECK_FALSE(verify_password(stored, "Secret", &error));
  CHECK(error.ok());
  CHECK_FALSE(verify_password(stored, "", &error));
  CHECK_FALSE(verify_password(stored, "secret ", &error));

  // Scheme names ignore case, as in OpenLDAP.
  CHECK(verify_password("{ssha}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME", "secret"));
}

TEST_CASE("SSHA built by hand verifies", "[directory][auth]") {
  // The same construction as slappasswd, done step by step in the test.
  careid::pki::Bytes salt = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33};
  std::string password = "correct horse";
  careid::pki::Bytes input(password.begin(), password.end());
  input.insert(input.end(), salt.begin(), salt.end());
  auto digest = careid::pki::sha1(input);
  REQUIRE(digest.ok());
  digest->insert(digest->end(), salt.begin(), salt.end());
  std::string stored = "{SSHA}" + careid::pki::base64_encode(*digest);

  CHECK(verify_password(stored, password));
  CHECK_FALSE(verify_password(stored, "correct horsE"));
}

TEST_CASE("SSHA256 matches a known value", "[directory][auth]") {
  // base64(SHA256("secret" + "saltsalt") + "saltsalt"), computed with Python's hashlib.
  const char* stored = "{SSHA256}oBmrdHcA6OZEkkCLeXh71YAerbvhXz1qqwjrPsXmEtNzYWx0c2FsdA==";
  CHECK(verify_password(stored, "secret"));
  CHECK_FALSE(verify_password(stored, "secret2"));
}

TEST_CASE("ARGON2 matches the reference vector", "[directory][auth]") {
  // The encoded hash for password "password", salt "somesalt", t=2, m=65536, p=1, argon2id
  // version 19, from src/test.c of the Argon2 reference implementation (phc-winner-argon2).
  const char* stored =
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
      "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  Status error;
  CHECK(verify_password(stored, "password", &error));
  INFO(error.to_string());
  CHECK(error.ok());
  CHECK_FALSE(verify_password(stored, "passwore", &error));
  CHECK(error.ok());

  // The argon2i version 16 vector from the same file, whose PHC string has no v= field.
  const char* old_argon2i =
      "{ARGON2}$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
  CHECK(verify_password(old_argon2i, "password", &error));
  CHECK(error.ok());
  CHECK_FALSE(verify_password(old_argon2i, "Password", &error));
}

TEST_CASE("hash and verify each scheme", "[directory][auth]") {
  for (PasswordScheme scheme :
       {PasswordScheme::kSsha, PasswordScheme::kSsha256, PasswordScheme::kArgon2}) {
    std::string prefix = "{" + std::string(careid::directory::auth::scheme_name(scheme)) + "}";
    INFO(prefix);
    auto first = hash_password(scheme, "pässwörd", fast_argon2());
    auto second = hash_password(scheme, "pässwörd", fast_argon2());
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->starts_with(prefix));
    CHECK(*first != *second);  // fresh salt each time

    Status error;
    CHECK(verify_password(*first, "pässwörd", &error));
    CHECK(error.ok());
    CHECK(verify_password(*second, "pässwörd"));
    CHECK_FALSE(verify_password(*first, "passwörd", &error));
    CHECK(error.ok());
    CHECK_FALSE(verify_password(*first, "", &error));
    CHECK(error.ok());
  }
}

TEST_CASE("ARGON2 verifies from many threads at once", "[directory][auth]") {
  // More threads than hardware threads: the extra ones wait for a hashing slot.
  Argon2Params params = fast_argon2();
  params.memory_kib = 1024;
  auto stored = hash_password(PasswordScheme::kArgon2, "secret", params);
  REQUIRE(stored.ok());

  std::vector<int> results(12, -1);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      const bool right = verify_password(*stored, "secret");
      const bool wrong = verify_password(*stored, "other");
      results[i] = right && !wrong ? 1 : 0;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(std::count(results.begin(), results.end(), 1) == static_cast<long>(results.size()));
}

TEST_CASE("SSHA hash has OpenLDAP shape", "[directory][auth]") {
  auto stored = hash_password(PasswordScheme::kSsha, "secret");
  REQUIRE(stored.ok());
  auto decoded = careid::pki::base64_decode(stored->substr(6));
  REQUIRE(decoded.ok());
  CHECK(decoded->size() == careid::pki::kSha1Bytes + careid::directory::auth::kSaltedShaSaltBytes);
}

TEST_CASE("ARGON2 hash has PHC shape", "[directory][auth]") {
  auto started = std::chrono::steady_clock::now();
  auto stored = hash_password(PasswordScheme::kArgon2, "secret");
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE(stored.ok());
  CHECK(stored->starts_with("{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$"));
  // 16-byte salt and 32-byte hash: 22 and 43 unpadded base64 characters.
  CHECK(stored->size() ==
        std::string("{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$").size() + 22 + 1 + 43);
  CHECK(verify_password(*stored, "secret"));
  INFO("default Argon2 hash took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  CHECK(elapsed < std::chrono::seconds(10));
}

TEST_CASE("ARGON2 accepts other variants and versions", "[directory][auth]") {
  // Built from the argon2id reference value by changing only what the verifier must follow:
  // each variant and version gives a different hash, so these must all be false without error.
  for (const char* stored : {
           "{ARGON2}$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "{ARGON2}$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "{ARGON2}$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
           "{ARGON2}$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$"
           "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
       }) {
    INFO(stored);
    Status error;
    CHECK_FALSE(verify_password(stored, "password", &error));
    CHECK(error.ok());
  }
}

TEST_CASE("cleartext and unknown schemes are rejected", "[directory][auth]") {
  check_rejected("secret", StatusCode::kUnimplemented);
  check_rejected("", StatusCode::kUnimplemented);
  check_rejected("{SSHA", StatusCode::kUnimplemented);
  check_rejected("{CLEARTEXT}secret", StatusCode::kUnimplemented);
  check_rejected("{CRYPT}aa6WS3Yq5M8m.", StatusCode::kUnimplemented);
  check_rejected("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", StatusCode::kUnimplemented);
  check_rejected("{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", StatusCode::kUnimplemented);
  check_rejected("{}secret", StatusCode::kUnimplemented);
  check_rejected(" {SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME", StatusCode::kUnimplemented);
}

TEST_CASE("malformed salted SHA values are rejected", "[directory][auth]") {
  check_rejected("{SSHA}", StatusCode::kCorruption);
  check_rejected("{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+c=", StatusCode::kCorruption);     // no salt
  check_rejected("{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgM", StatusCode::kCorruption);  // bad length
  check_rejected("{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME\n", StatusCode::kCorruption);
  check_rejected("{SSHA}uJDd0BIdJ9Z7yDCZNWdg*eb33+cBAgME", StatusCode::kCorruption);
  check_rejected("{SSHA256}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME", StatusCode::kCorruption);  // short
}

TEST_CASE("malformed ARGON2 values are rejected", "[directory][auth]") {
  const std::string salt_hash = "$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  const std::string bad[] = {
      "{ARGON2}",
      "{ARGON2}argon2id$v=19$m=65536,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2x$v=19$m=65536,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=20$m=65536,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$t=2,m=65536,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=2" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1,k=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=-1,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=99999999999,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=0,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=0" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ=$"
      "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c29tZQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=1" + salt_hash + "$extra",
      // Costs beyond the limits are rejected before any hashing: 2 GiB, 1000 passes.
      "{ARGON2}$argon2id$v=19$m=2097152,t=2,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=1000,p=1" + salt_hash,
      "{ARGON2}$argon2id$v=19$m=65536,t=2,p=65" + salt_hash,
  };
  for (const std::string& stored : bad) {
    check_rejected(stored, StatusCode::kCorruption);
  }
}

TEST_CASE("ARGON2 parameters are validated", "[directory][auth]") {
  CHECK(careid::directory::auth::validate_argon2_params({}).ok());

  Argon2Params params;
  params.memory_kib = 4;
  CHECK(careid::directory::auth::validate_argon2_params(params).code() ==
        StatusCode::kInvalidArgument);
  auto hashed = hash_password(PasswordScheme::kArgon2, "secret", params);
  REQUIRE_FALSE(hashed.ok());
  CHECK_THAT(hashed.status().message(), Catch::Contains("memory_kib"));

  params = {};
  params.salt_bytes = 4;
  CHECK_FALSE(careid::directory::auth::validate_argon2_params(params).ok());
  params = {};
  params.hash_bytes = 8;
  CHECK_FALSE(careid::directory::auth::validate_argon2_params(params).ok());
  params = {};
  params.iterations = 0;
  CHECK_FALSE(careid::directory::auth::validate_argon2_params(params).ok());
  params = {};
  params.parallelism = 2;
  params.memory_kib = 15;  // below 8 KiB per lane
  CHECK_FALSE(careid::directory::auth::validate_argon2_params(params).ok());
}

TEST_CASE("scheme names parse ignoring case", "[directory][auth]") {
  using careid::directory::auth::parse_scheme;
  CHECK(parse_scheme("SSHA") == PasswordScheme::kSsha);
  CHECK(parse_scheme("ssha256") == PasswordScheme::kSsha256);
  CHECK(parse_scheme("Argon2") == PasswordScheme::kArgon2);
  CHECK_FALSE(parse_scheme("SHA").has_value());
  CHECK_FALSE(parse_scheme("{SSHA}").has_value());
}

TEST_CASE("empty password never matches", "[directory][auth]") {
  // base64(SHA1("" + "salt") + "salt"): the stored hash of an empty password.
  careid::pki::Bytes salt = {'s', 'a', 'l', 't'};
  auto digest = careid::pki::sha1(salt);
  REQUIRE(digest.ok());
  digest->insert(digest->end(), salt.begin(), salt.end());
  std::string stored = "{SSHA}" + careid::pki::base64_encode(*digest);

  Status error;
  CHECK_FALSE(verify_password(stored, "", &error));
  CHECK(error.ok());
  CHECK_FALSE(verify_password(stored, "x", &error));

  auto hashed = hash_password(PasswordScheme::kSsha, "");
  REQUIRE_FALSE(hashed.ok());
  CHECK(hashed.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("verify without error pointer works", "[directory][auth]") {
  CHECK_FALSE(verify_password("cleartext", "cleartext"));
  CHECK_FALSE(verify_password("{SSHA}!!", "x"));
}
