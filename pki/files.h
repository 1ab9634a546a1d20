// Reading and writing the PKI's files with the permissions that private keys need.
//
// These calls block on the file system; run them off I/O threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::pki {

// Largest key, certificate or PKCS#12 file that pki reads, in bytes.
inline constexpr std::size_t kMaxPkiFileBytes = 1024 * 1024;

// Creates `path` with mode 0600 (less if the umask removes more) and writes `contents`.
// The file is created with open(2) O_CREAT|O_EXCL and that mode, so the secret is never
// readable by others, not even for a moment. An existing file or symbolic link at `path` is
// AlreadyExists, and is left alone; other failures are IoError. The data is fsync'ed
// before return.
Status write_private_file(const std::filesystem::path& path, std::string_view contents);

// Creates or replaces `path` with mode 0644 (less if the umask removes more) and writes
// `contents`. For certificates and other public data. Does not follow a symbolic link at
// `path`.
Status write_public_file(const std::filesystem::path& path, std::string_view contents);

// Reads a file that contains a secret. Fails with FailedPrecondition, telling the operator to
// run `chmod 600`, when the file grants any permission to group or others, and with
// InvalidArgument when it is not a regular file or is larger than kMaxPkiFileBytes. The
// mode is checked on the opened descriptor, so a swap of the file between check and read
// is not possible. Symbolic links are followed and the target's mode is checked.
Result<std::string> read_private_file(const std::filesystem::path& path);

// Reads a public file (certificate) of at most kMaxPkiFileBytes; no mode check.
Result<std::string> read_public_file(const std::filesystem::path& path);

}  // namespace careid::pki
