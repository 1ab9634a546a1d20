// One pair of functions per userPassword scheme; password.cpp dispatches on the {scheme}
// prefix. Internal to directory/auth. `encoded` is the stored value after the "}".
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "directory/auth/password.h"
#include "pki/digest.h"

namespace careid::directory::auth::detail {

enum class ShaDigest { kSha1, kSha256 };

// Returns base64(digest(password + salt) + salt) with a fresh salt.
Result<std::string> hash_salted_sha(ShaDigest digest, std::string_view password);

// Returns true on a match and false on a mismatch; an error for a malformed value.
Result<bool> verify_salted_sha(ShaDigest digest, std::string_view encoded,
                               std::string_view password);

// Returns the PHC string "$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>".
Result<std::string> hash_argon2(const Argon2Params& params, std::string_view password);

Result<bool> verify_argon2(std::string_view encoded, std::string_view password);

}  // namespace careid::directory::auth::detail
