// Persistent NameIDs (SAML Core 8.3.7): an opaque pseudonym per user and service provider.
//
// name_id = base64url(HMAC-SHA256(secret, sp_entity_id + "\0" + uid)), without padding.
// The same user gets the same value at one SP on every login, and values at two SPs cannot
// be linked without the secret. Rotating the secret changes every NameID, so every SP
// then treats its users as new accounts.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::federation::sso {

class PersistentIdGenerator {
 public:
  // Secret length, in bytes, of a newly created secret file; also the minimum accepted.
  static constexpr std::size_t kSecretBytes = 32;

  // Reads the secret file at `path`. When it does not exist, creates it with kSecretBytes
  // random bytes and mode 0600 (O_CREAT|O_EXCL, so two processes racing both end up with
  // the file that won). Fails on a file readable by group or others, a file shorter than
  // kSecretBytes, or an I/O error, naming the file.
  static Result<PersistentIdGenerator> load_or_create(const std::filesystem::path& path);

  // Uses `secret` as given; for tests. Its length must be at least kSecretBytes.
  explicit PersistentIdGenerator(std::string secret) : secret_(std::move(secret)) {}

  // Returns the NameID for `uid` at the SP `sp_entity_id` (43 characters of base64url).
  Result<std::string> name_id(std::string_view sp_entity_id, std::string_view uid) const;

 private:
  std::string secret_;
};

}  // namespace careid::federation::sso
