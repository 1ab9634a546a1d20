#include <catch2/catch.hpp>

#include "federation/sso/totp.h"

namespace careid::federation::sso {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// The SHA-1 seed of RFC 6238 appendix B: the ASCII string "12345678901234567890".
const pki::Bytes kRfcSecret = [] {
  std::string text = "12345678901234567890";
  return pki::Bytes(text.begin(), text.end());
}();

system_clock::time_point at(std::int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

std::string code_at(std::int64_t unix_seconds) {
  Result<std::string> code = totp_code(kRfcSecret, totp_step(at(unix_seconds)), 8);
  REQUIRE(code.ok());
  return *code;
}

TEST_CASE("totp matches RFC 6238 vectors", "[federation][totp]") {
  CHECK(code_at(59) == "94287082");
  CHECK(code_at(1111111109) == "07081804");
  CHECK(code_at(1111111111) == "14050471");
  CHECK(code_at(1234567890) == "89005924");
  CHECK(code_at(2000000000) == "69279037");
  // 20000000000 s is past what a nanosecond system_clock holds, so the step is given directly.
  Result<std::string> far = totp_code(kRfcSecret, 20000000000 / 30, 8);
  REQUIRE(far.ok());
  CHECK(*far == "65353130");
}

TEST_CASE("totp six digits keep leading zeros", "[federation][totp]") {
  Result<std::string> code = totp_code(kRfcSecret, totp_step(at(1111111109)));
  REQUIRE(code.ok());
  CHECK(*code == "081804");
}

TEST_CASE("base32 round trip and errors", "[federation][totp]") {
  // RFC 4648 10 test vectors, without padding.
  std::string foobar = "foobar";
  CHECK(base32_encode(pki::as_bytes(foobar)) == "MZXW6YTBOI");
  Result<pki::Bytes> decoded = base32_decode("mzxw6ytboi======");
  REQUIRE(decoded.ok());
  CHECK(pki::to_string(*decoded) == "foobar");
  CHECK(base32_encode(kRfcSecret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

  CHECK_FALSE(base32_decode("MZXW1").ok());
  CHECK_FALSE(base32_decode("M").ok());
  CHECK_FALSE(base32_decode("MZX").ok());
}

TEST_CASE("totp uri carries issuer and secret", "[federation][totp]") {
  std::string uri = totp_uri("careid test", "555000000001", kRfcSecret);
  CHECK(uri == "otpauth://totp/careid%20test:555000000001?secret="
               "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=careid%20test&algorithm=SHA1&digits=6&"
               "period=30");
}

TEST_CASE("totp verifier accepts one step drift", "[federation][totp]") {
  TotpVerifier verifier;
  std::int64_t now = 1234567890;
  std::string previous = *totp_code(kRfcSecret, totp_step(at(now)) - 1);
  std::string next = *totp_code(kRfcSecret, totp_step(at(now)) + 1);
  std::string too_old = *totp_code(kRfcSecret, totp_step(at(now)) - 2);

  CHECK(verifier.verify("a", kRfcSecret, previous, at(now)) == TotpResult::kAccepted);
  CHECK(verifier.verify("b", kRfcSecret, next, at(now)) == TotpResult::kAccepted);
  CHECK(verifier.verify("c", kRfcSecret, too_old, at(now)) == TotpResult::kWrongCode);
}

TEST_CASE("totp verifier window zero", "[federation][totp]") {
  TotpVerifier verifier(0);
  std::int64_t now = 1234567890;
  std::string previous = *totp_code(kRfcSecret, totp_step(at(now)) - 1);
  CHECK(verifier.verify("a", kRfcSecret, previous, at(now)) == TotpResult::kWrongCode);
}

TEST_CASE("totp verifier rejects replayed step", "[federation][totp]") {
  TotpVerifier verifier;
  std::int64_t now = 1234567890;
  std::string current = *totp_code(kRfcSecret, totp_step(at(now)));
  std::string previous = *totp_code(kRfcSecret, totp_step(at(now)) - 1);

  CHECK(verifier.verify("a", kRfcSecret, current, at(now)) == TotpResult::kAccepted);
  CHECK(verifier.verify("a", kRfcSecret, current, at(now)) == TotpResult::kReplayed);
  // An earlier step is rejected too, once a later one was used.
  CHECK(verifier.verify("a", kRfcSecret, previous, at(now)) == TotpResult::kReplayed);
  // Another account is independent.
  CHECK(verifier.verify("b", kRfcSecret, current, at(now)) == TotpResult::kAccepted);
  // The next step works for the first account.
  std::string later = *totp_code(kRfcSecret, totp_step(at(now + 30)));
  CHECK(verifier.verify("a", kRfcSecret, later, at(now + 30)) == TotpResult::kAccepted);
}

TEST_CASE("totp verifier rejects malformed codes", "[federation][totp]") {
  TotpVerifier verifier;
  CHECK(verifier.verify("a", kRfcSecret, "", at(59)) == TotpResult::kWrongCode);
  CHECK(verifier.verify("a", kRfcSecret, "12345", at(59)) == TotpResult::kWrongCode);
  CHECK(verifier.verify("a", kRfcSecret, "1234567", at(59)) == TotpResult::kWrongCode);
  CHECK(verifier.verify("a", kRfcSecret, "28708a", at(59)) == TotpResult::kWrongCode);
}

TEST_CASE("totp verifier bounded accounts", "[federation][totp]") {
  TotpVerifier verifier(1, 1);
  std::int64_t now = 1234567890;
  std::string current = *totp_code(kRfcSecret, totp_step(at(now)));
  CHECK(verifier.verify("a", kRfcSecret, current, at(now)) == TotpResult::kAccepted);
  CHECK(verifier.verify("b", kRfcSecret, current, at(now)) == TotpResult::kBusy);
  // Once the first entry is outside the window it is dropped and makes room.
  std::string later = *totp_code(kRfcSecret, totp_step(at(now + 120)));
  CHECK(verifier.verify("b", kRfcSecret, later, at(now + 120)) == TotpResult::kAccepted);
}

}  // namespace
}  // namespace careid::federation::sso
