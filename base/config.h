// careidd's configuration: one TOML file, every key optional, every default usable on
// loopback. A relative data_dir is resolved against the folder that contains the file;
// the other relative paths (PKI files, SP metadata) against data_dir.
//
// Example:
//   data_dir = "data"
//   [ldap]
//   port = 3389
//   indexed_attributes = ["objectClass", "uid", "cn"]
//   [https]
//   port = 8443
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace careid {

struct LdapConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 3389;
  std::string suffix = "o=nhs";
  // The directory manager: binds as this DN with this password hash ({SSHA} or {ARGON2})
  // are accepted even when no such entry exists. Empty hash disables the root DN.
  std::string root_dn = "cn=admin,o=nhs";
  std::string root_password_hash;
  // Largest LDAPMessage accepted, in bytes; a larger one ends the connection with a
  // Notice of Disconnection.
  std::size_t max_pdu_bytes = 4 * 1024 * 1024;
  std::size_t max_connections = 4096;
  // Seconds a connection may stay idle before it is closed; 0 disables the timeout.
  uint32_t idle_timeout_seconds = 900;
  // Server-side cap on entries returned by one search; 0 means no cap.
  uint32_t size_limit = 500;
  // Attributes with an equality and presence index.
  std::vector<std::string> indexed_attributes = {
      "objectClass", "uid", "cn", "sn", "uniqueIdentifier", "nhsIDCode", "nhsJobRoleCode", "mail"};
  // I/O threads for the LDAP listener.
  unsigned threads = 2;
};

struct HttpsConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8443;
  // URL that browsers and service providers use to reach careid; empty means
  // https://<listen_address>:<port>.
  std::string public_url;
  std::filesystem::path certificate = "pki/server.pem";
  std::filesystem::path private_key = "pki/server.key";
  // Card CA certificate: client certificates must chain to it.
  std::filesystem::path card_ca = "pki/card-ca.pem";
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  uint32_t request_timeout_seconds = 30;
  unsigned threads = 2;
};

struct SamlConfig {
  // Empty means <public_url>/saml/metadata.
  std::string entity_id;
  std::filesystem::path signing_key = "pki/saml-signing.key";
  std::filesystem::path signing_certificate = "pki/saml-signing.pem";
  // Folder of SP metadata files (*.xml); each file registers one service provider.
  std::filesystem::path sp_metadata_dir = "sp-metadata";
  // Secret that derives persistent NameIDs; created with mode 0600 when missing.
  std::filesystem::path persistent_id_secret = "pki/persistent-id.secret";
  uint32_t assertion_lifetime_seconds = 300;
};

struct Config {
  // Folder that contains the store and, by default, the PKI files and SP metadata.
  std::filesystem::path data_dir = "data";
  // Folder with the LDAP schema files (*.schema).
  std::filesystem::path schema_dir;
  // LMDB map size in MiB: the most the store can grow to.
  std::size_t map_size_mib = 16 * 1024;
  std::string log_level = "info";
  LdapConfig ldap;
  HttpsConfig https;
  SamlConfig saml;

  // Returns https.public_url, or the URL built from the listen address and port.
  std::string public_url() const;
};

// Returns the defaults with relative paths resolved against `base_dir`.
Config default_config(const std::filesystem::path& base_dir);

// Reads `path`. The error names the file, the key and what it expected, for example
// "careid.toml: ldap.port: expected an integer from 1 to 65535, got 70000".
Result<Config> load_config(const std::filesystem::path& path);

}  // namespace careid
