// X.509 certificates: parsing, encoding, a summary of the fields careid reads, and
// verification against a CA certificate.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"

// OpenSSL's X509, declared here so that callers need not include OpenSSL headers.
struct x509_st;

namespace careid::pki {

// The fields of a certificate that careid logs, displays and matches on.
struct CertificateInfo {
  // RFC 4514 string form, most specific RDN first, UTF-8 left unescaped:
  // "CN=123456789012,OU=people,O=nhs".
  std::string subject;
  // Value of the last (most specific) CN attribute of the subject; empty when there is none.
  std::string subject_cn;
  std::string issuer;
  // Serial number in lower-case hex, without leading zeros or separators.
  std::string serial_hex;
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  // SHA-256 of the DER certificate in lower-case hex, no separators (64 characters).
  std::string sha256_fingerprint;
  // key_type_name() of the public key ("ecdsa-p256", "rsa-2048", "rsa-3072"); for other keys
  // "<algorithm>-<bits>" in lower case, for example "rsa-4096" or "ec-384".
  std::string key_type;
};

// An owned X.509 certificate. Copies share the same immutable OpenSSL object.
class Certificate {
 public:
  // Parses the first PEM "CERTIFICATE" block of `pem`; text before and after it is ignored.
  static Result<Certificate> from_pem(std::string_view pem);

  // Parses DER. Bytes after the certificate are an error.
  static Result<Certificate> from_der(ByteView der);

  // Parses PEM when `data` (after leading whitespace) starts with "-----BEGIN", DER otherwise.
  static Result<Certificate> parse(ByteView data);

  // Reads and parses a PEM or DER certificate file of at most kMaxPkiFileBytes.
  static Result<Certificate> load_file(const std::filesystem::path& path);

  Result<std::string> to_pem() const;
  Result<Bytes> to_der() const;

  // Writes to_pem() to `path` with mode 0644, replacing an existing file.
  Status write_pem_file(const std::filesystem::path& path) const;

  // Reads the summary fields. Fails only when OpenSSL cannot decode a field that parsing
  // accepted, for example a validity time outside what the platform's time_t holds.
  Result<CertificateInfo> info() const;

  // Borrowed OpenSSL handle, valid while this object or a copy of it lives.
  x509_st* native() const { return certificate_.get(); }

  // Takes ownership of an OpenSSL certificate; `certificate` must not be null.
  explicit Certificate(x509_st* certificate);

 private:
  std::shared_ptr<x509_st> certificate_;
};

enum class CertificatePurpose {
  kClientAuth,  // extendedKeyUsage must list id-kp-clientAuth (smartcard login).
  kServerAuth,  // extendedKeyUsage must list id-kp-serverAuth (careidd's HTTPS).
};

struct VerifyOptions {
  CertificatePurpose purpose = CertificatePurpose::kClientAuth;
  // Time at which validity is checked; the current time when empty.
  std::optional<std::chrono::system_clock::time_point> at;
};

// Verifies that `certificate` chains directly to `ca` (the only trust anchor), is within its
// validity period at the check time, and is allowed the purpose. OpenSSL's X509_verify_cert
// with X509_V_FLAG_X509_STRICT checks the CA's signature, basicConstraints and keyUsage and
// the purpose. In addition the extendedKeyUsage extension must be present and list the
// purpose, because OpenSSL alone accepts a certificate without the extension.
// Returns OK only when every check passed. Any failure, including an OpenSSL internal error,
// is PermissionDenied with OpenSSL's reason, for example "certificate has expired".
//
// Checks no revocation: a revoked card still verifies here until it expires, so card logins
// also consult pki::RevocationCache.
Status verify_certificate(const Certificate& certificate, const Certificate& ca,
                          const VerifyOptions& options = {});

}  // namespace careid::pki
