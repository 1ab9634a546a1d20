#include <sys/stat.h>

#include <chrono>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/card_registry.h"
#include "ca_fixture.h"
#include "pki_test_util.h"

using careid::StatusCode;
using careid::pki::CardRegistry;
using careid::pki::CardState;
using careid::pki::CertificateAuthority;
using careid::pki::CertifiedKey;
using careid::pki::RevocationReason;
using careid::pki::testing::TempDir;

using careid::pki::testing::make_ca;

namespace {

using Clock = std::chrono::system_clock;

CertifiedKey issue(const CertificateAuthority& ca, const std::string& uid) {
  auto card = ca.issue_card_certificate(uid);
  REQUIRE(card.ok());
  return std::move(*card);
}

std::string serial_of(const CertifiedKey& card) {
  auto info = card.certificate.info();
  REQUIRE(info.ok());
  return info->serial_hex;
}

std::unique_ptr<CardRegistry> open_registry(const TempDir& dir) {
  auto registry = CardRegistry::open(dir / "registry");
  REQUIRE(registry.ok());
  return std::move(*registry);
}

}  // namespace

TEST_CASE("registry records and finds cards", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertificateAuthority ca = make_ca();
  CertifiedKey first = issue(ca, "555000000001");
  CertifiedKey second = issue(ca, "555000000001");
  CertifiedKey other = issue(ca, "555000000002");

  REQUIRE(registry->record_issued(first.certificate, "555000000001", "token-1").ok());
  REQUIRE(registry->record_issued(second.certificate, "555000000001", "").ok());
  REQUIRE(registry->record_issued(other.certificate, "555000000002", "").ok());

  auto cards = registry->cards_of("555000000001");
  REQUIRE(cards.ok());
  REQUIRE(cards->size() == 2);
  for (const auto& card : *cards) {
    CHECK(card.uid == "555000000001");
    CHECK(card.status.state == CardState::kGood);
    CHECK(card.subject == "CN=555000000001,OU=people,O=nhs");
    CHECK_FALSE(card.certificate_der.empty());
  }

  auto found = registry->find(serial_of(first));
  REQUIRE(found.ok());
  CHECK(found->token_serial == "token-1");
  CHECK(found->certificate_der == *first.certificate.to_der());

  auto none = registry->cards_of("555000000009");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("registry rejects a second record", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertifiedKey card = issue(make_ca(), "555000000001");

  REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
  careid::Status again = registry->record_issued(card.certificate, "555000000001", "");
  CHECK(again.code() == StatusCode::kAlreadyExists);
  CHECK(registry->record_issued(card.certificate, "12345", "").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("registry revoke suspend resume", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertifiedKey card = issue(make_ca(), "555000000001");
  REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
  const std::string serial = serial_of(card);
  const auto at = Clock::time_point(std::chrono::seconds(1'800'000'000));

  careid::Status suspended = registry->suspend(serial, at);
  INFO(suspended.to_string());
  REQUIRE(suspended.ok());
  auto on_hold = registry->status(serial);
  REQUIRE(on_hold.ok());
  CHECK(on_hold->state == CardState::kOnHold);
  CHECK(on_hold->reason == RevocationReason::kCertificateHold);
  CHECK(on_hold->revoked_at == at);
  CHECK(registry->suspend(serial, at).code() == StatusCode::kFailedPrecondition);

  REQUIRE(registry->resume(serial).ok());
  CHECK(registry->status(serial)->state == CardState::kGood);
  CHECK(registry->resume(serial).code() == StatusCode::kFailedPrecondition);
  CHECK(registry->revoked_cards()->empty());

  REQUIRE(registry->revoke(serial, RevocationReason::kKeyCompromise, at).ok());
  auto revoked = registry->status(serial);
  REQUIRE(revoked.ok());
  CHECK(revoked->state == CardState::kRevoked);
  CHECK(revoked->reason == RevocationReason::kKeyCompromise);
  CHECK(registry->revoke(serial, RevocationReason::kSuperseded, at).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(registry->suspend(serial, at).code() == StatusCode::kFailedPrecondition);

  auto listed = registry->revoked_cards();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().serial_hex == serial);
}

TEST_CASE("registry revokes a card on hold", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertifiedKey card = issue(make_ca(), "555000000001");
  REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
  const std::string serial = serial_of(card);

  REQUIRE(registry->suspend(serial, Clock::now()).ok());
  REQUIRE(registry->revoke(serial, RevocationReason::kCessationOfOperation, Clock::now()).ok());
  CHECK(registry->status(serial)->reason == RevocationReason::kCessationOfOperation);
}

TEST_CASE("registry rejects bad revocations", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertifiedKey card = issue(make_ca(), "555000000001");
  REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
  const std::string serial = serial_of(card);

  CHECK(registry->revoke(serial, RevocationReason::kCertificateHold, Clock::now()).code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry->revoke(serial, RevocationReason::kRemoveFromCrl, Clock::now()).code() ==
        StatusCode::kInvalidArgument);
  CHECK(registry->revoke("abc", RevocationReason::kKeyCompromise, Clock::now()).code() ==
        StatusCode::kNotFound);
  CHECK(registry->revoke("xyz", RevocationReason::kKeyCompromise, Clock::now()).code() ==
        StatusCode::kInvalidArgument);

  auto unknown = registry->status("abcdef");
  REQUIRE(unknown.ok());
  CHECK(unknown->state == CardState::kUnknown);
}

TEST_CASE("registry accepts serial spellings", "[pki][registry]") {
  TempDir dir;
  auto registry = open_registry(dir);
  CertifiedKey card = issue(make_ca(), "555000000001");
  REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
  std::string serial = serial_of(card);

  std::string upper;
  for (std::size_t i = 0; i < serial.size(); ++i) {
    if (i > 0 && i % 2 == 0) {
      upper += ':';
    }
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(serial[i])));
  }
  auto found = registry->find("00" + upper);
  REQUIRE(found.ok());
  CHECK(found->serial_hex == serial);
}

TEST_CASE("serial normalisation", "[pki][registry]") {
  CHECK(*careid::pki::normalize_serial_hex("0A:1b:2C") == "a1b2c");
  CHECK(*careid::pki::normalize_serial_hex("00") == "0");
  CHECK_FALSE(careid::pki::normalize_serial_hex("").ok());
  CHECK_FALSE(careid::pki::normalize_serial_hex("::").ok());
  CHECK_FALSE(careid::pki::normalize_serial_hex("12g4").ok());
  CHECK_FALSE(careid::pki::normalize_serial_hex(std::string(41, 'f')).ok());
  CHECK(careid::pki::normalize_serial_hex(std::string(40, 'f')).ok());
}

TEST_CASE("serial in whole octets", "[pki][registry]") {
  CHECK(careid::pki::serial_hex_octets("a1b2c") == "0a1b2c");
  CHECK(careid::pki::serial_hex_octets("a1b2c3") == "a1b2c3");
  CHECK(careid::pki::serial_hex_octets("0") == "00");
  CHECK(careid::pki::serial_hex_octets("") == "");

  // The printed form goes back to the registry key.
  CHECK(*careid::pki::normalize_serial_hex(careid::pki::serial_hex_octets("a1b2c")) == "a1b2c");
}

TEST_CASE("revocation reason names", "[pki][registry]") {
  CHECK(*careid::pki::parse_revocation_reason("keycompromise") == RevocationReason::kKeyCompromise);
  CHECK(careid::pki::revocation_reason_name(RevocationReason::kRemoveFromCrl) == "removeFromCRL");
  auto bad = careid::pki::parse_revocation_reason("stolen");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("'stolen'") != std::string::npos);
}

TEST_CASE("registry survives reopening", "[pki][registry]") {
  TempDir dir;
  CertifiedKey card = issue(make_ca(), "555000000001");
  std::string serial = serial_of(card);
  {
    auto registry = open_registry(dir);
    REQUIRE(registry->record_issued(card.certificate, "555000000001", "").ok());
    REQUIRE(registry->revoke(serial, RevocationReason::kSuperseded, Clock::now()).ok());
    CHECK(*registry->next_crl_number() == 1);
  }
  auto registry = open_registry(dir);
  CHECK(registry->status(serial)->state == CardState::kRevoked);
  CHECK(*registry->generation() == 2);
  CHECK(*registry->next_crl_number() == 2);

  struct stat info {};
  REQUIRE(::stat((dir / "registry").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);
}
