// Conversions between the two textual forms of an X.509 certificate: PEM (RFC 7468) and
// the bare base64 of its DER encoding that ds:X509Certificate and SAML metadata carry.
// Only the text is checked here; whether the DER decodes is up to the key loaders.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::xml {

// Returns the base64 body of the first "CERTIFICATE" block of `pem`, without whitespace.
// kInvalidArgument if there is no such block or its body is not base64.
Result<std::string> certificate_base64_of(std::string_view pem);

// Returns `certificate` as PEM. It may already be PEM (returned unchanged) or bare base64
// with any whitespace (re-wrapped at 64 columns, RFC 7468 section 2). kInvalidArgument if
// it is neither.
Result<std::string> certificate_to_pem(std::string_view certificate);

}  // namespace careid::xml
