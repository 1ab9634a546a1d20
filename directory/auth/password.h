// userPassword hashing and checking in the formats OpenLDAP writes, so that entries moved
// between slapd and careid keep working:
//
//   {SSHA}<base64(SHA1(password + salt) + salt)>           OpenLDAP core
//   {SSHA256}<base64(SHA256(password + salt) + salt)>      OpenLDAP contrib pw-sha2
//   {ARGON2}$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>   OpenLDAP argon2 module,
//                                                          PHC string, unpadded base64
//
// Scheme names match case-insensitively, as in OpenLDAP's liblutil/passwd.c. A stored value
// without a {scheme} prefix is a cleartext password. careid rejects it and never compares it,
// so an import must hash such values first (slappasswd or hash_password). Argon2 values of
// variant argon2i and argon2d, and of version 16, verify too; new hashes are always argon2id
// version 19.
//
// All calls are thread-safe. Argon2 takes memory_kib of RAM and, with the defaults, about 0.4 s
// of CPU per call (measured with Debian 12's libargon2 on a 2-core Xeon VM: 4 hashes in 1.55 s),
// so run hashing and verification off I/O threads. No call logs; an error Status never
// contains the password or the stored hash, so callers may log it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::directory::auth {

enum class PasswordScheme {
  kSsha,     // salted SHA-1: for interoperability with existing OpenLDAP data only.
  kSsha256,  // salted SHA-256.
  kArgon2,   // Argon2id (RFC 9106): careid's default.
};

// "SSHA", "SSHA256" or "ARGON2", the name inside the braces.
std::string_view scheme_name(PasswordScheme scheme);

// Parses a scheme name without braces, ignoring case; nullopt for any other name.
std::optional<PasswordScheme> parse_scheme(std::string_view name);

// Salt length of new {SSHA} and {SSHA256} values. Checking accepts any salt of 1 byte or more,
// as OpenLDAP does.
inline constexpr std::size_t kSaltedShaSaltBytes = 8;

// Limits for both new and stored Argon2 values. Stored values outside them are rejected
// without hashing, so a planted value cannot make a bind allocate gigabytes or run for minutes.
inline constexpr uint32_t kMaxArgon2MemoryKib = 1024 * 1024;  // 1 GiB
inline constexpr uint32_t kMaxArgon2Iterations = 64;
inline constexpr uint32_t kMaxArgon2Parallelism = 64;
inline constexpr uint32_t kMinArgon2SaltBytes = 8;  // libargon2's ARGON2_MIN_SALT_LENGTH
inline constexpr uint32_t kMaxArgon2SaltBytes = 64;
inline constexpr uint32_t kMinArgon2HashBytes = 16;
inline constexpr uint32_t kMaxArgon2HashBytes = 64;

// Cost of new Argon2 hashes: 64 MiB, 2 passes and 1 lane by default. Raise memory_kib or
// iterations where binds can afford more time; stored values keep the cost they were made with.
struct Argon2Params {
  uint32_t memory_kib = 65536;  // 8 * parallelism to kMaxArgon2MemoryKib
  uint32_t iterations = 2;      // 1 to kMaxArgon2Iterations
  uint32_t parallelism = 1;     // 1 to kMaxArgon2Parallelism
  uint32_t salt_bytes = 16;     // kMinArgon2SaltBytes to kMaxArgon2SaltBytes
  uint32_t hash_bytes = 32;     // kMinArgon2HashBytes to kMaxArgon2HashBytes
};

// OK when every field of `params` is within its range; InvalidArgument naming the field
// otherwise. For checking configuration at start-up.
Status validate_argon2_params(const Argon2Params& params);

// Hashes `password` with a fresh random salt and returns the userPassword value with its
// {scheme} prefix. `argon2` applies only to PasswordScheme::kArgon2. InvalidArgument for an
// empty password (it could never match) or parameters out of range; Internal when the random
// generator or libargon2 fails.
Result<std::string> hash_password(PasswordScheme scheme, std::string_view password,
                                  const Argon2Params& argon2 = {});

// Returns true only when `stored` is a supported, well-formed userPassword value that
// `password` matches; the hash comparison takes constant time. An empty password never
// matches, as in OpenLDAP, because an LDAP simple bind with an empty password is an
// unauthenticated bind (RFC 4513 5.1.2). On false, `error` (when not
// null) is OK for a plain mismatch. Otherwise it explains why the value could not be checked:
// Unimplemented for a cleartext value or an unknown scheme, Corruption for a malformed value
// or for Argon2 parameters beyond the limits above, and Internal for a hashing failure.
bool verify_password(std::string_view stored, std::string_view password, Status* error = nullptr);

}  // namespace careid::directory::auth
