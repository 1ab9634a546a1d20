#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/revocation_cache.h"
#include "pki_test_util.h"

using careid::pki::CardRegistry;
using careid::pki::CardState;
using careid::pki::RevocationCache;
using careid::pki::RevocationReason;
using careid::pki::testing::TempDir;

namespace {

using Clock = std::chrono::system_clock;

struct Fixture {
  TempDir dir;
  std::unique_ptr<CardRegistry> registry = CardRegistry::open(dir / "registry").value();
  std::string serial;

  Fixture() {
    auto ca = careid::pki::CertificateAuthority::create(careid::pki::create_self_signed_ca().value());
    REQUIRE(ca.ok());
    auto card = ca->issue_card_certificate("555000000001");
    REQUIRE(card.ok());
    REQUIRE(registry->record_issued(card->certificate, "555000000001", "").ok());
    serial = *careid::pki::normalize_serial_hex(card->certificate.info()->serial_hex);
  }
};

}  // namespace

TEST_CASE("revocation cache sees revocation on refresh", "[pki][revocation]") {
  Fixture f;
  auto cache = RevocationCache::create(*f.registry, std::chrono::milliseconds(0));
  REQUIRE(cache.ok());
  CHECK((*cache)->lookup(f.serial).state == CardState::kGood);

  REQUIRE(f.registry->revoke(f.serial, RevocationReason::kKeyCompromise, Clock::now()).ok());
  CHECK((*cache)->lookup(f.serial).state == CardState::kGood);
  REQUIRE((*cache)->refresh().ok());
  auto status = (*cache)->lookup(f.serial);
  CHECK(status.state == CardState::kRevoked);
  CHECK(status.reason == RevocationReason::kKeyCompromise);
  CHECK((*cache)->lookup(f.serial + "ff").state == CardState::kGood);
  CHECK((*cache)->lookup("not hex").state == CardState::kGood);
}

TEST_CASE("revocation cache refreshes in background", "[pki][revocation]") {
  Fixture f;
  auto cache = RevocationCache::create(*f.registry, std::chrono::milliseconds(50));
  REQUIRE(cache.ok());

  REQUIRE(f.registry->suspend(f.serial, Clock::now()).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((*cache)->lookup(f.serial).state != CardState::kOnHold && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((*cache)->lookup(f.serial).state == CardState::kOnHold);
  CHECK((*cache)->size() == 1);

  REQUIRE(f.registry->resume(f.serial).ok());
  while ((*cache)->size() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((*cache)->lookup(f.serial).state == CardState::kGood);
}
