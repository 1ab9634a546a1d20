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
#include <utility>
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
  // Attributes with the index kinds listed for each: "eq" (equality), "pres" (presence),
  // "sub" (substrings) and "ord" (ordering), e.g. indexes = { cn = ["eq", "sub"] }.
  // When set without indexed_attributes, it replaces the default list below.
  std::vector<std::pair<std::string, std::vector<std::string>>> indexes;
  // Attributes with an equality and presence index.
  std::vector<std::string> indexed_attributes = {
      "objectClass", "uid", "cn", "sn", "uniqueIdentifier", "nhsIDCode", "nhsJobRoleCode", "mail"};
  // I/O threads for LDAP connections. Each thread runs its own event loop, and each
  // connection stays on the thread that accepted it.
  unsigned threads = 2;
  // Worker threads for LDAP operations that block: writes waiting for their group commit,
  // searches over many entries and Argon2 password checks.
  unsigned worker_threads = 16;

  // LDAPS (LDAP over TLS from the first byte) listens on this port; 0 disables it.
  uint16_t ldaps_port = 0;
  // Server certificate chain and key for LDAPS and StartTLS (RFC 4513 3). An empty
  // tls_certificate disables TLS: StartTLS then gets `unavailable` and ldaps_port must be 0.
  // The key file must not be readable by group or others.
  std::filesystem::path tls_certificate = "pki/server.pem";
  std::filesystem::path tls_private_key = "pki/server.key";
  // Client certificates for SASL EXTERNAL must chain to this CA (the card CA).
  std::filesystem::path tls_ca = "pki/card-ca.pem";
  // Requests one connection may have in progress; the server stops reading from the
  // connection until one completes.
  unsigned max_outstanding_operations = 64;
  // Seconds one write to a client may take before the connection is closed (a client that
  // does not read its results); 0 disables the deadline.
  uint32_t write_timeout_seconds = 60;
  // A search whose index plan names at most this many candidate entries, a base-scope
  // search and a simple bind with an {SSHA} or {SSHA256} password run on the connection
  // thread that read them, without the hand-off to a worker thread. 0 sends every search and bind
  // to a worker.
  uint32_t inline_max_candidates = 64;
  // Scheme of the userPassword values that Password Modify (RFC 3062) writes: "ARGON2",
  // "SSHA256" or "SSHA" (the last only for data shared with old OpenLDAP servers).
  std::string password_hash = "ARGON2";
  // Argon2id cost of those values. The defaults (19 MiB, 2 passes, 1 lane) are the minimum
  // the OWASP Password Storage Cheat Sheet recommends for Argon2id.
  uint32_t password_argon2_memory_kib = 19456;
  uint32_t password_argon2_iterations = 2;
  // Server-side cap, in seconds, on how long one search by a non-root client may run;
  // 0 means no cap. A client's smaller timeLimit still applies.
  uint32_t time_limit_seconds = 0;
  // Access control policy file (TOML, directory/README.md describes it), relative to the
  // folder of this configuration file; empty uses the built-in default policy.
  std::filesystem::path access_policy;
  // Password lockout: this many failed simple binds within lockout_seconds lock the entry
  // for lockout_seconds; 0 failures disables lockout.
  uint32_t lockout_failures = 5;
  uint32_t lockout_seconds = 900;
  // Group commit: the maximum number of add, modify, delete, modify DN and Password Modify
  // operations that share one LMDB write transaction and one sync to disk, from 1 (each
  // operation commits alone) to 10000. Operations wait in a worker thread for their group,
  // so a group never contains more operations than worker_threads.
  uint32_t group_commit_max_operations = 64;
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
  // Deadline of each request read and each response write.
  uint32_t request_timeout_seconds = 30;
  // Deadline of the client's ClientHello after the accept, and again of the TLS handshake.
  uint32_t handshake_timeout_seconds = 10;
  unsigned threads = 2;
  // Concurrent TLS connections; further connections are closed at once.
  std::size_t max_connections = 1024;
  // TLS handshakes in progress at once, counted from the ClientHello, so that connections
  // that send nothing take no slot. At the limit careidd stops accepting, so further
  // connections wait in the kernel's accept queue.
  std::size_t max_handshakes = 128;
  // Length of the kernel's accept queue (the listen(2) backlog, which the kernel caps at
  // net.core.somaxconn). When it is full, the kernel drops new connection attempts and
  // clients retry them.
  uint32_t listen_backlog = 512;
};

// One SP metadata source: a federation's signed metadata fetched from a URL
// (federation/saml/metadata_source.h). TOML: one [[saml.metadata_sources]] table each.
struct MetadataSourceConfig {
  // Letters, digits, '-' and '_'; names the cached copy <metadata_cache_dir>/<name>.xml.
  std::string name;
  std::string url;  // http:// or https://
  // PEM certificates of the federation's metadata signing keys, relative to data_dir. A
  // signature by any one counts, so the next key can be listed before a rollover.
  std::vector<std::filesystem::path> signing_certificates;
  uint32_t refresh_interval_seconds = 3600;
  // How long a verified copy may be used after its fetch while refreshes fail; at least
  // refresh_interval_seconds.
  uint32_t max_cache_age_seconds = 7 * 24 * 3600;
  uint32_t timeout_seconds = 30;
  std::size_t max_bytes = 64 * 1024 * 1024;
  // PEM trust anchors for an https:// URL, relative to data_dir; empty: the system's CAs.
  std::filesystem::path ca_file;
};

struct SamlConfig {
  // Empty means <public_url>/saml/metadata.
  std::string entity_id;
  std::filesystem::path signing_key = "pki/saml-signing.key";
  std::filesystem::path signing_certificate = "pki/saml-signing.pem";
  // PEM certificates published in the IdP metadata beside the current one during a key
  // rollover (federation/saml/README.md).
  std::vector<std::filesystem::path> additional_signing_certificates;
  // Folder of SP metadata files (*.xml); each file registers one service provider.
  std::filesystem::path sp_metadata_dir = "sp-metadata";
  // Secret that derives persistent NameIDs; created with mode 0600 when missing.
  std::filesystem::path persistent_id_secret = "pki/persistent-id.secret";
  uint32_t assertion_lifetime_seconds = 300;
  // Require a valid signature on every AuthnRequest, also from SPs whose metadata does not
  // set AuthnRequestsSigned="true".
  bool require_signed_requests = false;
  // Assertions are encrypted for SPs whose metadata has a KeyDescriptor use="encryption".
  // SP entityIDs listed here always get encrypted assertions (a login fails without an
  // encryption key) or never do. An entityID may not be in both lists.
  std::vector<std::string> encrypt_assertions_for;
  std::vector<std::string> never_encrypt_assertions_for;
  // SP metadata fetched from URLs, in addition to sp_metadata_dir; listed first wins when two
  // sources name the same entityID, and sp_metadata_dir wins over every source.
  std::vector<MetadataSourceConfig> metadata_sources;
  // Verified copies of the sources' metadata, so that a restart works while a URL is down.
  std::filesystem::path metadata_cache_dir = "sp-metadata-cache";
  // HTTP-Artifact binding (federation/saml/artifact_resolve.h): how long an SP has to
  // resolve an artifact, and bounds on the Responses waiting for it (count and bytes).
  uint32_t artifact_lifetime_seconds = 60;
  std::size_t artifact_max_outstanding = 10'000;
  std::size_t artifact_max_bytes = 64 * 1024 * 1024;
  // SP entityIDs whose ArtifactResolve may be authenticated by a TLS client certificate that
  // is a signing certificate in their metadata, in place of a signature.
  std::vector<std::string> artifact_tls_client_auth_for;
};

// The mapping from a card certificate to its holder in the directory
// (federation/sso/card_login.h).
struct CardLoginConfig {
  // "subject_cn": the subject's single CN is the 12-digit uid (NHS profile).
  // "san": a subjectAltName value equals `directory_attribute` of one person.
  // "directory_certificate": the person whose userCertificate;binary contains this certificate.
  std::string mapping = "subject_cn";
  // With "san": "email" (rfc822Name) or "upn" (otherName userPrincipalName).
  std::string san_type = "email";
  std::string directory_attribute = "mail";
  // With "directory_certificate": "sha256" (the same DER bytes) or "issuer_serial".
  std::string certificate_match = "sha256";
};

// The optional password + TOTP login (federation/sso/password_login.h), for people whose
// entry allows it (careidPasswordLoginAllowed). Such logins are AAL2, never AAL3.
struct LoginConfig {
  // Offer the login form when a browser reaches /saml/sso or /oidc/authorize without a
  // client certificate.
  bool password_fallback = false;
  // TOTP steps of 30 s accepted either side of the current one, for clock drift: 0 or 1.
  uint32_t totp_window_steps = 1;
  // SAML SP entity IDs and OpenID client_ids that need a smartcard (AAL3) whatever their
  // request contains. A password session is never used for them.
  std::vector<std::string> card_only_service_providers;
};

// SSO sessions: after a card login the role choice is kept, for later logins on any TLS
// connection with the same card, until one of the timeouts passes.
struct SessionConfig {
  // Seconds without a login in the session before it ends.
  uint32_t idle_timeout_seconds = 15 * 60;
  // Seconds after the first login when the session ends in any case.
  uint32_t absolute_timeout_seconds = 8 * 60 * 60;
  // Seconds the role selection page stays valid.
  uint32_t role_choice_timeout_seconds = 5 * 60;
  // Sessions kept at once; when full, the one closest to its end is dropped.
  uint32_t max_sessions = 100000;
};

struct OidcConfig {
  // Empty means public_url (without a trailing slash); it is the `iss` of every token.
  std::string issuer;
  // PEM private keys (ECDSA P-256 signs ES256, RSA signs RS256). The first key signs. Every
  // key is published in the JWKS and verifies, so that a retired key stays listed while
  // tokens it signed are still valid. A missing first file disables the OpenID provider.
  std::vector<std::filesystem::path> signing_keys = {"pki/oidc-signing.key"};
  // Folder of client registrations (*.json or *.toml), one client per file.
  std::filesystem::path clients_dir = "oidc-clients";
  // Lifetime of an authorization code (RFC 6749 4.1.2 recommends at most 10 minutes).
  uint32_t code_lifetime_seconds = 60;
  uint32_t access_token_lifetime_seconds = 600;
  uint32_t id_token_lifetime_seconds = 600;
  // Bounds of the in-memory stores: outstanding authorization codes, live token families
  // (the tokens of one code), and private_key_jwt assertion ids kept against replay. When
  // one is full, further codes, token responses or assertions are refused until entries expire.
  uint32_t max_codes = 10000;
  uint32_t max_token_families = 100000;
  uint32_t max_assertion_ids = 100000;
  // Deadline of each step (connect, TLS handshake, write, read) of a Back-Channel Logout
  // request to a client.
  uint32_t backchannel_logout_timeout_seconds = 5;
};

// The audit trail (audit/audit_log.h): hash-chained JSON lines, apart from the diagnostic log.
struct AuditConfig {
  // The current file, relative to data_dir. Rotated files sit beside it as <file>.000001,
  // <file>.000002 and so on. An empty path turns the audit trail off.
  std::filesystem::path file = "audit/audit.log";
  // "record": fdatasync after every record; "group": at most every group_commit_ms.
  std::string fsync = "group";
  uint32_t group_commit_ms = 10;
  // Maximum events queued for the writer thread. When the queue is full, the caller blocks.
  uint32_t queue_records = 4096;
  // Rotate the file at this size, in MiB; 0 never rotates.
  uint32_t max_file_mib = 64;
  // HMAC-SHA256 key file of the chain, relative to data_dir, created with mode 0600 when
  // missing. An empty path chains with plain SHA-256.
  std::filesystem::path hmac_key_file;
};

// Card revocation: the CRL, the OCSP responder and the revocation check of card logins.
struct PkiConfig {
  // Base URL written into new card certificates (CRL distribution point <url>/pki/crl and
  // OCSP responder <url>/pki/ocsp); empty means Config::public_url().
  std::string public_url;
  // Seconds between reloads of the revoked-card list that card logins (HTTPS and LDAP SASL
  // EXTERNAL) check, so a revocation by careidctl takes effect within this delay.
  uint32_t revocation_refresh_seconds = 30;
  // Seconds from a CRL's thisUpdate to its nextUpdate (RFC 5280 5.1.2.5). careidd issues a
  // new CRL when the registry changes and when half of this has passed.
  uint32_t crl_validity_seconds = 7 * 24 * 3600;
  // Seconds an OCSP response stays cached and valid (its nextUpdate).
  uint32_t ocsp_cache_seconds = 5;
  // PKCS#11 module that contains the card tokens, used by `careidctl card` and `intake
  // --issue-cards`. The default is SoftHSM 2 as Debian 12's softhsm2 package installs it.
  std::filesystem::path pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
};

// Prometheus metrics (text exposition format 0.0.4) on a plain-HTTP listener of its own.
struct MetricsConfig {
  // "ADDRESS:PORT" of the listener, for example "127.0.0.1:9464"; empty turns metrics off.
  // The endpoint has no authentication or TLS, so keep it on loopback or behind a firewall.
  std::string listen;
};

// The SUS API (sus/api/api.h) under /sus/v1/ on the HTTPS server.
struct SusConfig {
  // SUS store as `careidctl sus --store` takes it: a folder (LMDB), relative to data_dir,
  // or a `postgresql://` connection URI. Empty serves no SUS API.
  std::string store;
  // RBAC activity codes, any one of which grants reading (tariffs, pricing, extracts) or
  // submitting spells. The defaults are made-up sample codes (B9601 includes B9600 in
  // data/reference/rbac-activities-sample.csv); set the national codes in production.
  std::vector<std::string> read_activities = {"B9600"};
  std::vector<std::string> submit_activities = {"B9601"};
  // Largest request body; at most https.max_body_bytes, which the server applies first.
  std::size_t max_body_bytes = 1024 * 1024;
  // Maximum spells in one submitted batch, and in one extract.
  uint32_t max_batch_spells = 10000;
  uint32_t max_extract_spells = 100000;
  // Seconds a tariff or MFF year read from the store is reused before it is read again.
  uint32_t cache_seconds = 60;
};

struct Config {
  // Folder that contains the store and, by default, the PKI files and SP metadata.
  std::filesystem::path data_dir = "data";
  // Folder with the LDAP schema files (*.schema).
  std::filesystem::path schema_dir;
  // LMDB map size in MiB: the most the store can grow to.
  std::size_t map_size_mib = 16 * 1024;
  std::string log_level = "info";
  // Seconds that SIGTERM or SIGINT waits for open connections to finish their current
  // operations before careidd stops anyway.
  uint32_t shutdown_timeout_seconds = 5;
  LdapConfig ldap;
  HttpsConfig https;
  SamlConfig saml;
  CardLoginConfig card_login;
  LoginConfig login;
  SessionConfig session;
  OidcConfig oidc;
  PkiConfig pki;
  AuditConfig audit;
  MetricsConfig metrics;
  SusConfig sus;

  // Returns https.public_url, or the URL built from the listen address and port.
  std::string public_url() const;
  // Returns pki.public_url, or public_url().
  std::string pki_public_url() const;
};

// Returns the defaults with relative paths resolved against `base_dir`.
Config default_config(const std::filesystem::path& base_dir);

// Reads `path`. The error names the file, the key and what it expected, for example
// "careid.toml: ldap.port: expected an integer from 1 to 65535, got 70000".
Result<Config> load_config(const std::filesystem::path& path);

}  // namespace careid
