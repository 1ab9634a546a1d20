// One audit record on disk: a JSON object on one line, hash-chained to the record before.
//
//   {"actor":"cn=admin,o=nhs","alg":"sha256","client":"127.0.0.1:50522","details":{...},
//    "event":"ldap.modify","hash":"<64 hex>","outcome":"success","prev":"<64 hex>",
//    "seq":7,"subject":"uid=555000000001,ou=People,o=nhs","time":"2026-12-04T10:00:00.123Z"}
//
// Canonical form: the object without "hash", keys sorted, no whitespace, UTF-8 output with
// invalid byte sequences replaced by U+FFFD (nlohmann::json dump). `hash` is the lower-case
// hex SHA-256 of the canonical form ("alg":"sha256"), or its HMAC-SHA256 under the audit key
// ("alg":"hmac-sha256"). `prev` is the `hash` of the record before, or kGenesisHash for
// the first record of the trail. Parsing and dumping again gives the same canonical form
// for the value types records use (strings, integers, booleans, arrays, objects), so
// verification recomputes the hash from the parsed line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/event.h"
#include "base/status.h"

namespace careid::audit {

// `prev` of the first record of a trail: 64 zeros.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

inline constexpr const char* kAlgSha256 = "sha256";
inline constexpr const char* kAlgHmacSha256 = "hmac-sha256";

// Largest record line written, in bytes; a larger event loses its details (audit_log.h).
inline constexpr std::size_t kMaxRecordBytes = 256 * 1024;

// Minimum length, in bytes, of an HMAC key file's contents.
inline constexpr std::size_t kMinHmacKeyBytes = 32;

// A record after it has been chained: what the writer writes and the verifier reads.
struct SealedRecord {
  std::uint64_t seq = 0;
  std::string hash;
  // The whole line, ending in '\n'.
  std::string line;
};

// Builds, hashes and serialises the record `seq` for `event` at `time`. An empty
// `hmac_key` selects plain SHA-256. Fails only when OpenSSL fails.
Result<SealedRecord> seal_record(const Event& event, std::uint64_t seq, std::string_view time,
                                 std::string_view prev, std::string_view hmac_key);

// Returns the canonical form of `object`, which must not contain "hash".
std::string canonical_text(const nlohmann::json& object);

// Returns the lower-case hex hash of `canonical` under `alg` (kAlgSha256 or
// kAlgHmacSha256, the latter with a non-empty `hmac_key`).
Result<std::string> chain_hash(std::string_view canonical, std::string_view alg,
                               std::string_view hmac_key);

// Formats `time` as RFC 3339 UTC with milliseconds: "2026-12-04T10:00:00.123Z".
std::string format_time(std::chrono::system_clock::time_point time);

// Parses an RFC 3339 date-time (section 5.6): "2026-12-04T10:00:00Z",
// "2026-12-04T10:00:00.5+01:00". A date alone ("2026-12-04") means midnight UTC. Fails
// with InvalidArgument naming the text.
Result<std::chrono::system_clock::time_point> parse_time(std::string_view text);

}  // namespace careid::audit
