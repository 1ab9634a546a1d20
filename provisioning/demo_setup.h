// Demo data folder set-up: everything careidd needs to run on loopback, made in one call.
//
//   <data>/careid.toml               configuration with the chosen ports
//   <data>/admin-password            the cn=admin,o=nhs password, mode 0600
//   <data>/pki/...                   card CA, HTTPS and SAML signing keys (pki/layout.h)
//   <data>/pki/cards/<uid>.*         the demo person's card: PEM certificate and key, PKCS#12
//   <data>/sp-metadata/*.xml         SAML service providers careidd trusts
//   <data>/oidc-clients/             OpenID clients careidd serves, one *.json or *.toml each
//   <data>/store/                    the LMDB directory, loaded with the demo directory
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "pki/certificate.h"
#include "pki/key.h"
#include "provisioning/demo_directory.h"

namespace careid::provisioning {

struct DemoSetupOptions {
  std::filesystem::path data_dir;
  std::filesystem::path reference_dir;  // data/reference in the source tree
  std::filesystem::path schema_dir;     // schemas/ in the source tree
  std::uint64_t people = 10'000;
  std::uint16_t ldap_port = 3389;
  std::uint16_t https_port = 8443;
  std::vector<std::filesystem::path> sp_metadata_files;
  // Key type of the card CA and the cards it issues: ECDSA P-256 or RSA-2048.
  pki::KeyType card_key_type = pki::KeyType::kEcdsaP256;
  // Key type of the OpenID token signing key: ECDSA P-256 signs ES256, RSA signs RS256.
  pki::KeyType oidc_key_type = pki::KeyType::kEcdsaP256;
  // Key type of the SAML signing key. RSA-2048 signs rsa-sha256, which SAML service
  // providers commonly require. ECDSA P-256 signs ecdsa-sha256 (RFC 4051), for providers
  // that accept it.
  pki::KeyType saml_key_type = pki::KeyType::kRsa2048;
  // The PKCS#12 password of the demo card, printed by careidctl; not a secret in a demo.
  std::string card_pkcs12_password = "demo";
};

struct DemoSetupResult {
  std::filesystem::path config_file;
  std::filesystem::path admin_password_file;
  std::filesystem::path card_certificate;
  std::filesystem::path card_key;
  std::filesystem::path card_pkcs12;
  std::filesystem::path server_ca;
  DemoDirectorySummary directory;
  double load_seconds = 0;
};

// Creates the folder and everything in it. Fails with AlreadyExists when the folder
// already contains a careid.toml, so a demo folder is never overwritten.
Result<DemoSetupResult> set_up_demo(const DemoSetupOptions& options);

// Writes careid.toml for a data folder. Fails if the file exists.
Status write_config_file(const std::filesystem::path& path, const std::filesystem::path& schema_dir,
                         std::uint16_t ldap_port, std::uint16_t https_port, const std::string& root_password_hash);

// Creates the card CA (with a `ca_key_type` key), careidd's HTTPS certificate (signed by
// the card CA) and the SAML signing certificate (with a `saml_key_type` key) in
// <data_dir>/pki. Fails if any of them exists.
Status create_pki(const std::filesystem::path& data_dir, pki::KeyType ca_key_type = pki::KeyType::kEcdsaP256,
                  pki::KeyType saml_key_type = pki::KeyType::kRsa2048);

// Creates <data_dir>/pki/oidc-signing.key, the key that signs OpenID Connect tokens, with
// mode 0600. Fails if it exists.
Status create_oidc_signing_key(const std::filesystem::path& data_dir,
                               pki::KeyType key_type = pki::KeyType::kEcdsaP256);

// The subjectAltName values of a card, for the `san` card mapping ([card_login]).
struct CardAltNames {
  std::vector<std::string> emails;  // rfc822Name
  std::vector<std::string> upns;    // otherName userPrincipalName
};

// Issues a card for `uid` with a `key_type` key from the data folder's card CA, writes
// <uid>.pem, .key and .p12 and records the card in the card registry (pki/registry/). The
// certificate names careidd's CRL and OCSP URLs under `public_url`; when that is empty, under
// the [pki] public_url of <data_dir>/careid.toml, and none when that file is missing too.
// Returns the certificate. It checks no directory and writes no audit record, because demo
// setup calls it before either exists. `careidctl pki issue-card` calls issue_person_card
// (person_card.h), which does both. `alt_names` go into the certificate's subjectAltName.
Result<pki::Certificate> issue_card(const std::filesystem::path& data_dir, std::string_view uid,
                                    std::string_view pkcs12_password, pki::KeyType key_type = pki::KeyType::kEcdsaP256,
                                    std::string_view public_url = {}, const CardAltNames& alt_names = {});

}  // namespace careid::provisioning
