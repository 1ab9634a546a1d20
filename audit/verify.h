// Checking and reading an audit trail offline: `careidctl audit verify` and `audit export`.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"

namespace careid::audit {

struct VerifyOptions {
  // The HMAC key of the trail. When set, every record must be chained with HMAC-SHA256,
  // so a record rewritten with plain SHA-256 fails. Empty: records chained with
  // HMAC-SHA256 cannot be checked and fail.
  std::string hmac_key;
  // The first record must be seq 1 with prev kGenesisHash. Turn off to check a single
  // rotated file, whose first record chains to a file that is not given.
  bool require_start = true;
};

struct VerifyReport {
  bool ok = true;
  std::uint64_t records = 0;
  std::uint64_t last_seq = 0;
  std::string last_hash;
  // The first bad record when !ok: its file, 1-based line number and why it failed.
  std::filesystem::path bad_file;
  std::uint64_t bad_line = 0;
  std::string reason;
  // True when the check stopped only because a record is chained with HMAC-SHA256 and no
  // key was given: the trail may be intact, but it cannot be checked without the key.
  bool key_needed = false;
};

// Reads `files` in order as one chain and stops at the first bad line. Detects a changed
// record (its hash no longer matches its content), a removed one (a gap in seq), an
// inserted or replaced one (prev does not match the record before) and reordered ones
// (seq goes back). A missing or unreadable file is reported like a bad line 0.
// NOTE: without an HMAC key, someone who can write the files can recompute every hash
// after a change, so this check then only proves the trail is consistent (audit/README.md).
VerifyReport verify_trail(const std::vector<std::filesystem::path>& files, const VerifyOptions& options);

struct ExportFilter {
  // Records whose actor or subject is this uid or DN, or a DN starting "uid=<user>,".
  std::string user;
  std::optional<std::chrono::system_clock::time_point> since;  // time >= since
  std::optional<std::chrono::system_clock::time_point> until;  // time < until
  // An event type ("ldap.bind"), or a prefix ending in '*' ("ldap.*").
  std::string event;
};

struct ExportSummary {
  std::uint64_t written = 0;
  // Lines that are not audit records; each is named on the "audit" logger.
  std::uint64_t skipped = 0;
};

// Writes the records of `files` that match `filter` to `out`, one JSON line each, as stored.
// Fails only when a file cannot be read.
Result<ExportSummary> export_records(const std::vector<std::filesystem::path>& files, const ExportFilter& filter,
                                     std::ostream& out);

}  // namespace careid::audit
