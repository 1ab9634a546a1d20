// `careidctl pki issue-card`: a card whose key and certificate are files (a soft card, for
// demos and tests), for a person who exists in the data folder's directory. The card is
// recorded in the card registry and a card.issue event in the audit trail.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"
#include "pki/certificate.h"
#include "pki/key.h"
#include "provisioning/demo_setup.h"

namespace careid::provisioning {

struct PersonCard {
  pki::CertificateInfo info;
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::filesystem::path pkcs12;
};

struct PersonCardOptions {
  std::string pkcs12_password = "demo";
  pki::KeyType key_type = pki::KeyType::kEcdsaP256;
  CardAltNames alt_names;
  // Adds the certificate to the person's userCertificate;binary, for the
  // directory_certificate card mapping. Other values stay, so older cards still map.
  bool store_certificate = false;
};

// Checks that uid=<uid>,ou=People,o=nhs exists in the directory of <data_dir>/careid.toml,
// then issues the card as issue_card (demo_setup.h) does, stores the certificate when asked
// and appends card.issue to the configured audit trail. Errors: FailedPrecondition when the
// folder has no careid.toml or the directory rejects the certificate, NotFound when the
// person is missing (both checked before anything is written), and those of issue_card. The
// directory store is opened directly, as `careidctl user` does, so a running careidd may stay
// up and reads the stored certificate at the next login.
Result<PersonCard> issue_person_card(const std::filesystem::path& data_dir, std::string_view uid,
                                     const PersonCardOptions& options = {});

}  // namespace careid::provisioning
