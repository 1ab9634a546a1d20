// Base64 (RFC 4648 section 4) and hexadecimal encoding.
//
// Decoding is strict, because these functions read stored password hashes and certificate
// fingerprints: a character outside the alphabet, whitespace, misplaced or missing padding,
// or non-zero unused bits in the last character is an InvalidArgument error. Each input thus
// has exactly one accepted encoding.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"

namespace careid::pki {

enum class Base64Padding {
  kRequired,  // '=' pads the text to a multiple of 4 characters, as OpenLDAP's {SSHA} does.
  kNone,      // no '=' at all, as the PHC string format of {ARGON2} values uses.
};

std::string base64_encode(ByteView data, Base64Padding padding = Base64Padding::kRequired);
Result<Bytes> base64_decode(std::string_view text,
                            Base64Padding padding = Base64Padding::kRequired);

// Lower-case hexadecimal, two digits per byte.
std::string hex_encode(ByteView data);

// Accepts upper- and lower-case digits; an odd length or a non-hex character is an error.
Result<Bytes> hex_decode(std::string_view text);

}  // namespace careid::pki
