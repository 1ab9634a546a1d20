// DirectoryIdentitySource lookups for the card mappings other than subject_cn: a person by
// an attribute value and by the certificate stored in userCertificate;binary.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/identity/directory_identity_source.h"
#include "tests/directory/engine/operations_fixture.h"
#include "tests/directory/schema/certificate_fixture.h"

namespace careid::federation {
namespace {

constexpr const char* kCardHolder = "uid=555000000004,ou=People,o=nhs";

const careid::testing::SameSerialCertificates& certificates() {
  return careid::testing::same_serial_certificates();
}

struct Fixture : directory::engine::testing::OperationsFixture {
  DirectoryIdentitySource source{*directory, "o=nhs"};

  Fixture() {
    auto attributes = person("555000000004", "Card Holder");
    attributes.push_back({"mail", {"card.holder@nhs.example"}});
    attributes.push_back({"userCertificate;binary", {certificates().stored}});
    require_add(kCardHolder, std::move(attributes));
  }
};

}  // namespace

TEST_CASE("identity source finds people by mail", "[federation][identity][card_mapping]") {
  Fixture f;
  auto found = f.source.find_people_by_attribute("mail", "card.holder@nhs.example");
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->front().uid == "555000000004");
  CHECK(found->front().mail == "card.holder@nhs.example");

  auto missing = f.source.find_people_by_attribute("mail", "card.holder*");
  REQUIRE(missing.ok());
  CHECK(missing->empty());

  CHECK_FALSE(f.source.find_people_by_attribute("mail)(uid=*", "x").ok());
}

TEST_CASE("identity source finds the stored certificate", "[federation][identity][card_mapping]") {
  Fixture f;
  auto exact = f.source.find_people_by_certificate(certificates().stored, CertificateMatch::kSha256);
  REQUIRE(exact.ok());
  REQUIRE(exact->size() == 1);
  CHECK(exact->front().dn == kCardHolder);

  auto by_serial = f.source.find_people_by_certificate(certificates().stored, CertificateMatch::kIssuerSerial);
  REQUIRE(by_serial.ok());
  CHECK(by_serial->size() == 1);
}

TEST_CASE("identity source certificate mismatch", "[federation][identity][card_mapping]") {
  Fixture f;
  auto reissued_exact = f.source.find_people_by_certificate(certificates().reissued, CertificateMatch::kSha256);
  REQUIRE(reissued_exact.ok());
  CHECK(reissued_exact->empty());

  // The issuer_serial match accepts the same issuer and serial, because RFC 5280 4.1.2.2
  // makes that pair unique per certificate.
  auto reissued_serial =
      f.source.find_people_by_certificate(certificates().reissued, CertificateMatch::kIssuerSerial);
  REQUIRE(reissued_serial.ok());
  CHECK(reissued_serial->size() == 1);

  for (CertificateMatch match : {CertificateMatch::kSha256, CertificateMatch::kIssuerSerial}) {
    auto other = f.source.find_people_by_certificate(certificates().other, match);
    REQUIRE(other.ok());
    CHECK(other->empty());
  }
}

TEST_CASE("identity source certificate of two people", "[federation][identity][card_mapping]") {
  Fixture f;
  auto attributes = f.person("555000000005", "Second Holder");
  attributes.push_back({"userCertificate;binary", {certificates().reissued}});
  f.require_add("uid=555000000005,ou=People,o=nhs", std::move(attributes));

  // The reissued certificate shares issuer and serial with the stored one, so issuer_serial
  // finds both holders and the caller rejects the login. sha256 finds only the exact copy.
  auto by_serial = f.source.find_people_by_certificate(certificates().stored, CertificateMatch::kIssuerSerial);
  REQUIRE(by_serial.ok());
  CHECK(by_serial->size() == 2);
  auto exact = f.source.find_people_by_certificate(certificates().reissued, CertificateMatch::kSha256);
  REQUIRE(exact.ok());
  REQUIRE(exact->size() == 1);
  CHECK(exact->front().uid == "555000000005");
}

}  // namespace careid::federation
