// careid's card authority: a self-signed CA that issues smartcard user certificates in the
// NHS profile and the TLS server certificate of careidd.
//
// Server certificates come from the same CA as the cards, so a test or loopback deployment
// distributes one trust anchor (pki/card-ca.pem) to browsers and clients. The purposes stay
// apart: card certificates list only clientAuth and the server certificate only serverAuth,
// and verify_certificate requires the listed purpose, so neither can act as the other. To
// use a separate server CA, create a second CertificateAuthority and issue from it.
//
// All calls block (key generation, signing) and are thread-safe on a const object.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pki/certificate.h"
#include "pki/key.h"
#include "pki/public_key.h"

namespace careid::pki {

// A certificate with the private key of its subject.
struct CertifiedKey {
  Certificate certificate;
  PrivateKey key;
};

struct CaOptions {
  std::string common_name = "careid Card CA";
  std::string organization = "nhs";
  uint32_t validity_days = 3650;  // 1 to 36500
  KeyType key_type = KeyType::kEcdsaP256;
  // Start of validity; the current time when empty.
  std::optional<std::chrono::system_clock::time_point> not_before;
};

// Creates a self-signed CA: subject CN=<common_name>,O=<organization>; basicConstraints
// critical CA:TRUE, pathlen:0 (it signs only end-entity certificates); keyUsage critical
// keyCertSign, cRLSign; subjectKeyIdentifier. Fails with InvalidArgument for an empty name
// or a validity outside 1-36500 days.
Result<CertifiedKey> create_self_signed_ca(const CaOptions& options = {});

// True when `uid` is a card user id: exactly 12 ASCII digits.
bool is_valid_card_uid(std::string_view uid);

struct CardCertificateOptions {
  uint32_t validity_days = 1095;  // 1 to 36500
  KeyType key_type = KeyType::kEcdsaP256;
  // When set, the certificate carries this URL as its CRL distribution point (RFC 5280
  // 4.2.1.13) and as its OCSP responder in authorityInfoAccess (RFC 5280 4.2.2.1). See
  // card_revocation_urls in pki/crl.h. Each must be an http or https URL.
  std::string crl_url;
  std::string ocsp_url;
  // subjectAltName rfc822Name and otherName userPrincipalName values, for the `san` card
  // mapping (add_subject_alt_names in pki/certificate_names.h checks them). No SAN when
  // both are empty.
  std::vector<std::string> san_emails;
  std::vector<std::string> san_upns;
  std::optional<std::chrono::system_clock::time_point> not_before;
};

struct ServerCertificateOptions {
  std::string common_name = "localhost";
  // DNS names (letters, digits, '-', '.', an optional leading "*.") or IPv4/IPv6 addresses,
  // added to the subjectAltName after IP:127.0.0.1 and DNS:localhost.
  std::vector<std::string> extra_names;
  uint32_t validity_days = 397;  // 1 to 36500; 397 is the most browsers accept.
  KeyType key_type = KeyType::kEcdsaP256;
  std::optional<std::chrono::system_clock::time_point> not_before;
};

class CertificateAuthority {
 public:
  // Checks that `ca.key` belongs to `ca.certificate` and that the certificate is a CA
  // (basicConstraints CA:TRUE with keyCertSign); InvalidArgument otherwise.
  static Result<CertificateAuthority> create(CertifiedKey ca);

  // Loads a PEM certificate and a PEM key (mode 0600, see PrivateKey::load_pem_file).
  static Result<CertificateAuthority> load(const std::filesystem::path& certificate_path,
                                           const std::filesystem::path& key_path);

  // Issues a smartcard user certificate with a newly generated key, in the NHS profile:
  // subject O=nhs, OU=people, CN=<uid> (printed "CN=<uid>,OU=people,O=nhs"); keyUsage
  // critical digitalSignature; extendedKeyUsage clientAuth; basicConstraints critical
  // CA:FALSE; subject and authority key identifiers; 128-bit random serial. InvalidArgument
  // when `uid` is not 12 digits or the validity is out of range.
  //
  // TODO: issuance from a PKCS#10 CSR (proof of possession) is missing. A card whose key
  // was generated elsewhere is certified from its bare public key (overload below).
  Result<CertifiedKey> issue_card_certificate(std::string_view uid,
                                              const CardCertificateOptions& options = {}) const;

  // Issues a smartcard user certificate in the same profile for a key generated elsewhere,
  // for example on a PKCS#11 token, so that the private key never leaves it.
  // `options.key_type` is ignored: the certificate carries `public_key` as it is.
  Result<Certificate> issue_card_certificate(std::string_view uid, const PublicKey& public_key,
                                             const CardCertificateOptions& options = {}) const;

  // Issues careidd's HTTPS certificate with a newly generated key: subject CN=<common_name>,
  // O=nhs; subjectAltName IP:127.0.0.1, DNS:localhost and the extra names; keyUsage critical
  // digitalSignature (plus keyEncipherment for RSA keys); extendedKeyUsage serverAuth;
  // basicConstraints critical CA:FALSE; key identifiers. InvalidArgument for an extra name that
  // is neither an IP address nor a valid DNS name.
  Result<CertifiedKey> issue_server_certificate(const ServerCertificateOptions& options = {}) const;

  const Certificate& certificate() const { return ca_.certificate; }
  // The CA's signing key, for the CRL and OCSP code of pki. Do not log or export it.
  const PrivateKey& private_key() const { return ca_.key; }

 private:
  explicit CertificateAuthority(CertifiedKey ca) : ca_(std::move(ca)) {}

  // Builds and signs the card certificate for `public_key` (borrowed); callers check `uid`.
  Result<Certificate> sign_card_certificate(std::string_view uid, evp_pkey_st* public_key,
                                            const CardCertificateOptions& options) const;

  CertifiedKey ca_;
};

}  // namespace careid::pki
