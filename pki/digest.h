// Message digests, HMAC, random bytes and constant-time comparison, computed by OpenSSL 3.
//
// Every function is thread-safe. A non-OK Result means OpenSSL failed (for example a FIPS
// provider that refuses SHA-1); its message carries OpenSSL's error text.
#pragma once

#include <cstddef>
#include <filesystem>

#include "base/status.h"
#include "pki/bytes.h"

namespace careid::pki {

inline constexpr std::size_t kSha1Bytes = 20;
inline constexpr std::size_t kSha256Bytes = 32;

// Upper bound for one random_bytes call, so that a size taken from input cannot exhaust memory.
inline constexpr std::size_t kMaxRandomBytes = 1024 * 1024;

// SHA-1 of `data` (20 bytes). Kept for OpenLDAP's {SSHA} password scheme only.
Result<Bytes> sha1(ByteView data);

// SHA-256 of `data` (32 bytes).
Result<Bytes> sha256(ByteView data);

// SHA-256 of the file at `path` (32 bytes), read in 1 MiB blocks so that memory does not
// grow with the file. kNotFound or kIoError name the file when it cannot be read.
Result<Bytes> sha256_file(const std::filesystem::path& path);

// HMAC-SHA256 of `data` under `key` (32 bytes, RFC 2104). An empty key is allowed, as RFC 2104
// allows it, but callers should use at least 32 random bytes.
Result<Bytes> hmac_sha256(ByteView key, ByteView data);

// HMAC-SHA1 of `data` under `key` (20 bytes). Kept for TOTP (RFC 6238), whose authenticator
// apps compute HMAC-SHA1 by default; HMAC-SHA1 stays sound although SHA-1 collisions are known.
Result<Bytes> hmac_sha1(ByteView key, ByteView data);

// `count` bytes from OpenSSL's CSPRNG. Fails for count > kMaxRandomBytes or when the generator
// is not seeded.
Result<Bytes> random_bytes(std::size_t count);

// Compares two byte strings in time that depends only on their lengths, not their contents.
// Different lengths return false at once: lengths are not treated as secret.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace careid::pki
