// {SSHA} and {SSHA256}: base64(digest(password + salt) + salt), padded base64, as OpenLDAP's
// lutil_passwd and its pw-sha2 module write them.
#include <string>

#include "directory/auth/schemes.h"
#include "pki/encoding.h"

namespace careid::directory::auth::detail {

namespace {

std::size_t digest_size(ShaDigest digest) {
  return digest == ShaDigest::kSha1 ? pki::kSha1Bytes : pki::kSha256Bytes;
}

Result<pki::Bytes> salted_digest(ShaDigest digest, std::string_view password, pki::ByteView salt) {
  pki::Bytes input(password.begin(), password.end());
  input.insert(input.end(), salt.begin(), salt.end());
  auto result = digest == ShaDigest::kSha1 ? pki::sha1(input) : pki::sha256(input);
  std::fill(input.begin(), input.end(), 0);
  return result;
}

}  // namespace

Result<std::string> hash_salted_sha(ShaDigest digest, std::string_view password) {
  auto salt = pki::random_bytes(kSaltedShaSaltBytes);
  if (!salt.ok()) {
    return salt.status();
  }
  auto hash = salted_digest(digest, password, *salt);
  if (!hash.ok()) {
    return hash.status();
  }

  hash->insert(hash->end(), salt->begin(), salt->end());
  return pki::base64_encode(*hash);
}

Result<bool> verify_salted_sha(ShaDigest digest, std::string_view encoded,
                               std::string_view password) {
  const char* name = digest == ShaDigest::kSha1 ? "{SSHA}" : "{SSHA256}";
  auto decoded = pki::base64_decode(encoded);
  if (!decoded.ok()) {
    return Status::corruption(std::string("malformed ") + name +
                              " value: " + decoded.status().message());
  }

  // As in OpenLDAP, the salt is whatever follows the digest and must be at least one byte.
  std::size_t size = digest_size(digest);
  if (decoded->size() <= size) {
    return Status::corruption(std::string("malformed ") + name +
                              " value: " + std::to_string(decoded->size()) +
                              " bytes, expected more than " + std::to_string(size));
  }
  pki::ByteView stored_hash(decoded->data(), size);
  pki::ByteView salt(decoded->data() + size, decoded->size() - size);

  auto hash = salted_digest(digest, password, salt);
  if (!hash.ok()) {
    return hash.status();
  }
  return pki::constant_time_equal(*hash, stored_hash);
}

}  // namespace careid::directory::auth::detail
