// DirectoryIdentitySource lookups for the card mappings other than subject_cn: a person by
// an attribute value and by the certificate stored in userCertificate;binary.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/identity/directory_identity_source.h"
#include "tests/directory/engine/operations_fixture.h"
#include "tests/xml/test_keys.h"

namespace careid::federation {
namespace {

using careid::testing::read_text;
using careid::testing::run_command;
using careid::testing::TempDir;

constexpr const char* kCardHolder = "uid=555000000004,ou=People,o=nhs";

// Certificates from one test CA. The directory stores `stored` (serial 42). `reissued` has
// the same issuer and serial with another key, and `other` has serial 43.
struct Certificates {
  TempDir dir;
  std::string stored;
  std::string reissued;
  std::string other;

  Certificates() {
    std::string d = "'" + dir.path().string() + "'";
    std::string quiet = " >/dev/null 2>&1";
    REQUIRE(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                        "-subj /CN=test-ca -keyout " + d + "/ca.key -out " + d + "/ca.pem" + quiet) == 0);
    auto issue = [&](const std::string& name, int serial) {
      std::string base = d + "/" + name;
      REQUIRE(run_command("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name +
                          " -keyout " + base + ".key -out " + base + ".csr" + quiet) == 0);
      REQUIRE(run_command("openssl x509 -req -in " + base + ".csr -CA " + d + "/ca.pem -CAkey " + d +
                          "/ca.key -set_serial " + std::to_string(serial) + " -days 2 -outform DER -out " +
                          base + ".der" + quiet) == 0);
      return read_text(dir.path() / (name + ".der"));
    };
    stored = issue("stored", 42);
    reissued = issue("reissued", 42);
    other = issue("other", 43);
  }
};

const Certificates& certificates() {
  static Certificates shared;
  return shared;
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

}  // namespace careid::federation
