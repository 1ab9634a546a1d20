// Private keys: generation, PEM encoding and key files.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

// OpenSSL's EVP_PKEY, declared here so that callers need not include OpenSSL headers.
struct evp_pkey_st;

namespace careid::pki {

enum class KeyType {
  kEcdsaP256,  // ECDSA on NIST P-256 (prime256v1): careid's default.
  kRsa2048,
  kRsa3072,
};

// "ecdsa-p256", "rsa-2048" or "rsa-3072", the names used in configuration and by careidctl.
std::string_view key_type_name(KeyType type);
std::optional<KeyType> parse_key_type(std::string_view name);

// An owned private key (with its public half). Move-only. A moved-from key is empty and may
// only be destroyed or assigned to.
class PrivateKey {
 public:
  // Generates a fresh key. A failure is Internal with OpenSSL's error text.
  static Result<PrivateKey> generate(KeyType type = KeyType::kEcdsaP256);

  // Parses an unencrypted PEM private key (PKCS#8 "PRIVATE KEY", or the traditional "RSA PRIVATE
  // KEY" and "EC PRIVATE KEY" forms). An encrypted key is InvalidArgument: careid never
  // prompts for a passphrase. Text after the first key is ignored.
  static Result<PrivateKey> from_pem(std::string_view pem);

  // Reads and parses a PEM key file. The file must grant no permission to group or others
  // (see read_private_file); otherwise the call fails with FailedPrecondition, and the message
  // names the `chmod 600` fix.
  static Result<PrivateKey> load_pem_file(const std::filesystem::path& path);

  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). The string contains the secret key:
  // do not log it.
  Result<std::string> to_pem() const;

  // Writes to_pem() to a new file created with mode 0600 (see write_private_file); an
  // existing file is AlreadyExists.
  Status write_pem_file(const std::filesystem::path& path) const;

  // The key's type, or nullopt for a loaded key of another algorithm or size
  // (for example RSA-4096 or P-384); such keys still sign and load.
  std::optional<KeyType> type() const;

  // Borrowed OpenSSL handle, valid while this object lives; for pki and the TLS set-up.
  evp_pkey_st* native() const { return key_.get(); }

  // Takes ownership of an OpenSSL key; `key` must not be null.
  explicit PrivateKey(evp_pkey_st* key) : key_(key) {}

 private:
  struct Deleter {
    void operator()(evp_pkey_st* key) const;
  };
  std::unique_ptr<evp_pkey_st, Deleter> key_;
};

}  // namespace careid::pki
