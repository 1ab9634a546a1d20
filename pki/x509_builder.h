// Building blocks for the certificates that pki issues. Internal to pki: includes OpenSSL.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "pki/openssl_handles.h"

namespace careid::pki::detail {

// Maximum validity pki accepts, so that a typo in days cannot mint a near-permanent certificate.
inline constexpr uint32_t kMaxValidityDays = 36500;

// One relative distinguished name, for example {"OU", "people"}. Added in order, so the list
// goes from least to most specific (O, OU, CN).
using NameEntry = std::pair<std::string, std::string>;

struct CertificateFields {
  std::vector<NameEntry> subject;
  EVP_PKEY* public_key = nullptr;  // borrowed; its public half goes into the certificate.
  std::chrono::system_clock::time_point not_before;
  uint32_t validity_days = 0;
};

// Starts a version 3 certificate with a random 128-bit serial, the subject, the public key and
// the validity period. The issuer name and extensions are still to be added.
Result<X509Ptr> start_certificate(const CertificateFields& fields);

// Sets the issuer name to `issuer`'s subject; pass the certificate itself for a self-signed one.
Status set_issuer(X509* certificate, X509* issuer);

// Adds one extension written in OpenSSL's configuration syntax (x509v3_config(5)), for example
// "critical,CA:TRUE,pathlen:0". `issuer` supplies the authority key identifier. The value must
// be a constant of pki, never text from input.
Status add_extension(X509* certificate, X509* issuer, int nid, const char* value);

// Signs with SHA-256 (ECDSA or RSA PKCS#1 v1.5, the form SAML's rsa-sha256 expects).
Status sign_certificate(X509* certificate, EVP_PKEY* issuer_key);

}  // namespace careid::pki::detail
