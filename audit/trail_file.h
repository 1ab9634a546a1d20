// The files of one audit trail: finding its last record, cutting a torn tail, naming
// rotated files, and the HMAC key file. Used by the writer (audit_log.cpp) and by
// verification (verify.cpp). Every call blocks on the file system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/status.h"

namespace careid::audit {

// The end of the chain: the last record's seq, hash and alg. seq 0, kGenesisHash and an
// empty alg for a trail with no record yet.
struct ChainTail {
  std::uint64_t seq = 0;
  std::string hash;
  std::string alg;
};

// Reads the last record of `file`, or of the newest rotated file when `file` is missing or
// empty. Fails with Corruption naming the file when that line does not parse or is longer
// than kMaxRecordBytes.
Result<ChainTail> read_chain_tail(const std::filesystem::path& file);

// Cuts bytes after the last newline of the open file `fd` (a record torn by a crash) and
// returns how many were cut. The caller holds the file lock.
Result<std::uint64_t> cut_torn_tail(int fd, const std::filesystem::path& file);

// Returns "<file>.NNNNNN", one more than the highest rotated number present (000001 first).
std::filesystem::path next_rotated_name(const std::filesystem::path& file);

// Reads the HMAC key file without creating it, with the checks of read_or_create_hmac_key.
Result<std::string> read_hmac_key(const std::filesystem::path& path);

// Reads the HMAC key file, or creates it with 32 random bytes (hex, mode 0600) when it does
// not exist. Rejects a file readable by group or others (pki::read_private_file) and a key
// shorter than kMinHmacKeyBytes.
Result<std::string> read_or_create_hmac_key(const std::filesystem::path& path);

}  // namespace careid::audit
