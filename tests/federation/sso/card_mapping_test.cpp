#include <catch2/catch.hpp>

#include "federation/sso/card_login.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kTestUid;

constexpr const char* kMail = "ada.lovelace@nhs.example";
constexpr const char* kUpn = "ada.lovelace@nhs.upn.example";
constexpr const char* kCardDer = "\x30\x82 card one";

// A directory of one person who can be found by mail, UPN attribute or stored certificate.
class MappingSource : public testing::FakeIdentitySource {
 public:
  std::vector<std::string> attribute_requests;
  int people_per_match = 1;

  Result<std::vector<Person>> find_people_by_attribute(std::string_view attribute,
                                                       std::string_view value) override {
    attribute_requests.push_back(std::string(attribute) + "=" + std::string(value));
    bool match = (attribute == "mail" && value == kMail) ||
                 (attribute == "userPrincipalName" && value == kUpn);
    return match ? matches() : std::vector<Person>();
  }

  Result<std::vector<Person>> find_people_by_certificate(std::string_view der,
                                                         CertificateMatch match) override {
    last_match = match;
    return der == kCardDer ? matches() : std::vector<Person>();
  }

  CertificateMatch last_match = CertificateMatch::kSha256;

 private:
  std::vector<Person> matches() const {
    return std::vector<Person>(people_per_match, testing::make_test_person());
  }
};

PeerCertificate card_with_names() {
  PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=Ada Lovelace,O=nhs";
  card.common_names = {"Ada Lovelace"};
  card.email_addresses = {kMail};
  card.user_principal_names = {kUpn};
  card.der = kCardDer;
  card.sha256_fingerprint = "ab12";
  card.serial_hex = "1f";
  return card;
}

CardMapping san_mapping(SanType type, std::string attribute) {
  CardMapping mapping;
  mapping.mode = CardMappingMode::kSan;
  mapping.san_type = type;
  mapping.directory_attribute = std::move(attribute);
  return mapping;
}

CardMapping certificate_mapping(CertificateMatch match) {
  CardMapping mapping;
  mapping.mode = CardMappingMode::kDirectoryCertificate;
  mapping.certificate_match = match;
  return mapping;
}

}  // namespace

TEST_CASE("card mapping by email SAN", "[federation][sso][card_mapping]") {
  MappingSource source;
  auto person = identify_card_holder(card_with_names(), source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE(person.ok());
  CHECK(person->uid == kTestUid);
  CHECK(source.attribute_requests == std::vector<std::string>{std::string("mail=") + kMail});
  CHECK(source.calls == 0);
}

TEST_CASE("card mapping by UPN SAN", "[federation][sso][card_mapping]") {
  MappingSource source;
  auto person = identify_card_holder(card_with_names(), source,
                                     san_mapping(SanType::kUpn, "userPrincipalName"));
  REQUIRE(person.ok());
  CHECK(person->uid == kTestUid);
}

TEST_CASE("card mapping by SAN mismatch", "[federation][sso][card_mapping]") {
  MappingSource source;
  PeerCertificate card = card_with_names();
  card.email_addresses = {"someone.else@nhs.example"};
  auto person = identify_card_holder(card, source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kUnknownPerson);
  CHECK(person.error().mapped_by == "someone.else@nhs.example");
}

TEST_CASE("card mapping needs exactly one SAN", "[federation][sso][card_mapping]") {
  MappingSource source;
  PeerCertificate none = card_with_names();
  none.email_addresses.clear();
  auto missing = identify_card_holder(none, source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().outcome == LoginOutcome::kSubjectInvalid);
  CHECK(missing.error().mapped_by.empty());

  PeerCertificate two = card_with_names();
  two.email_addresses.push_back("second@nhs.example");
  auto ambiguous = identify_card_holder(two, source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE_FALSE(ambiguous.ok());
  CHECK(ambiguous.error().outcome == LoginOutcome::kSubjectInvalid);

  PeerCertificate undecodable = card_with_names();
  undecodable.user_principal_names = {""};
  auto bad = identify_card_holder(undecodable, source, san_mapping(SanType::kUpn, "userPrincipalName"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().outcome == LoginOutcome::kSubjectInvalid);
  CHECK(source.attribute_requests.empty());
}

TEST_CASE("card mapping matching two people fails", "[federation][sso][card_mapping]") {
  MappingSource source;
  source.people_per_match = 2;
  auto person = identify_card_holder(card_with_names(), source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kUnknownPerson);
  CHECK(person.error().log_detail == "matches=2");
}

TEST_CASE("card mapping by directory certificate", "[federation][sso][card_mapping]") {
  MappingSource source;
  for (CertificateMatch match : {CertificateMatch::kSha256, CertificateMatch::kIssuerSerial}) {
    auto person = identify_card_holder(card_with_names(), source, certificate_mapping(match));
    REQUIRE(person.ok());
    CHECK(person->uid == kTestUid);
    CHECK(source.last_match == match);
  }
}

TEST_CASE("card mapping by certificate mismatch", "[federation][sso][card_mapping]") {
  MappingSource source;
  PeerCertificate card = card_with_names();
  card.der = "\x30\x82 another card";
  auto person = identify_card_holder(card, source, certificate_mapping(CertificateMatch::kSha256));
  REQUIRE_FALSE(person.ok());
  CHECK(person.error().outcome == LoginOutcome::kUnknownPerson);
  CHECK(person.error().mapped_by == "ab12");
}

TEST_CASE("card mapping keeps revocation checks", "[federation][sso][card_mapping]") {
  MappingSource source;
  PeerCertificate card = card_with_names();
  card.revocation.state = pki::CardState::kRevoked;
  for (const CardMapping& mapping :
       {san_mapping(SanType::kEmail, "mail"), certificate_mapping(CertificateMatch::kSha256)}) {
    auto person = identify_card_holder(card, source, mapping);
    REQUIRE_FALSE(person.ok());
    CHECK(person.error().outcome == LoginOutcome::kCardRevoked);
  }
  CHECK(source.attribute_requests.empty());

  PeerCertificate unverified = card_with_names();
  unverified.verified = false;
  auto rejected = identify_card_holder(unverified, source, san_mapping(SanType::kEmail, "mail"));
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().outcome == LoginOutcome::kCertificateInvalid);
}

TEST_CASE("card mapping from configuration", "[federation][sso][card_mapping]") {
  CardLoginConfig config;
  auto defaults = card_mapping_from_config(config);
  REQUIRE(defaults.ok());
  CHECK(defaults->mode == CardMappingMode::kSubjectCn);

  config.mapping = "san";
  config.san_type = "upn";
  config.directory_attribute = "userPrincipalName";
  auto san = card_mapping_from_config(config);
  REQUIRE(san.ok());
  CHECK(san->mode == CardMappingMode::kSan);
  CHECK(san->san_type == SanType::kUpn);
  CHECK(san->directory_attribute == "userPrincipalName");

  config.mapping = "directory_certificate";
  config.certificate_match = "issuer_serial";
  auto certificate = card_mapping_from_config(config);
  REQUIRE(certificate.ok());
  CHECK(certificate->certificate_match == CertificateMatch::kIssuerSerial);

  config.mapping = "subject_dn";
  CHECK_FALSE(card_mapping_from_config(config).ok());
}

}  // namespace careid::federation::sso
