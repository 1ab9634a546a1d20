// Paths of the PKI files inside a data folder:
//
//   <data_dir>/pki/card-ca.pem, card-ca.key          card CA (also signs server.pem)
//   <data_dir>/pki/server.pem, server.key            careidd's HTTPS certificate
//   <data_dir>/pki/saml-signing.pem, saml-signing.key
//   <data_dir>/pki/persistent-id.secret              key for persistent SAML NameIDs
//   <data_dir>/pki/oidc-signing.key                  signs OpenID Connect tokens (JWS)
//   <data_dir>/pki/cards/<uid>.pem, <uid>.key, <uid>.p12
//   <data_dir>/pki/registry/                         issued cards and revocations (LMDB)
//   <data_dir>/pki/crl.der, crl.pem                  CRL signed by the card CA
//   <data_dir>/pki/ocsp-signing.pem, .key            delegated OCSP responder certificate
//
// These match the defaults of careid::Config. Key and secret files are written with mode 0600
// and the folders are created with mode 0700.
#pragma once

#include <filesystem>
#include <string_view>

#include "base/status.h"

namespace careid::pki {

class PkiLayout {
 public:
  explicit PkiLayout(std::filesystem::path data_dir) : dir_(std::move(data_dir) / "pki") {}

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path card_ca_certificate() const { return dir_ / "card-ca.pem"; }
  std::filesystem::path card_ca_key() const { return dir_ / "card-ca.key"; }
  std::filesystem::path server_certificate() const { return dir_ / "server.pem"; }
  std::filesystem::path server_key() const { return dir_ / "server.key"; }
  std::filesystem::path saml_signing_certificate() const { return dir_ / "saml-signing.pem"; }
  std::filesystem::path saml_signing_key() const { return dir_ / "saml-signing.key"; }
  std::filesystem::path persistent_id_secret() const { return dir_ / "persistent-id.secret"; }
  std::filesystem::path oidc_signing_key() const { return dir_ / "oidc-signing.key"; }
  std::filesystem::path cards_dir() const { return dir_ / "cards"; }
  std::filesystem::path card_registry_dir() const { return dir_ / "registry"; }
  std::filesystem::path crl_der() const { return dir_ / "crl.der"; }
  std::filesystem::path crl_pem() const { return dir_ / "crl.pem"; }
  std::filesystem::path ocsp_signing_certificate() const { return dir_ / "ocsp-signing.pem"; }
  std::filesystem::path ocsp_signing_key() const { return dir_ / "ocsp-signing.key"; }

  // Paths of one card's files. InvalidArgument unless `uid` is 12 digits, which also keeps a
  // uid from naming a path outside cards/.
  Result<std::filesystem::path> card_certificate(std::string_view uid) const;
  Result<std::filesystem::path> card_key(std::string_view uid) const;
  Result<std::filesystem::path> card_pkcs12(std::string_view uid) const;

  // Creates pki/ and pki/cards/ with mode 0700 where missing; existing folders keep their mode.
  // IoError when the file system refuses.
  Status create_directories() const;

 private:
  Result<std::filesystem::path> card_file(std::string_view uid, std::string_view suffix) const;

  std::filesystem::path dir_;
};

}  // namespace careid::pki
