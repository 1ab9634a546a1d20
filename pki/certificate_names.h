// The names in a client certificate that careid can map to a directory person: the
// subjectAltName email addresses and user principal names, and the issuer and serial
// number that identify one certificate (RFC 5280 4.1.2.2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct x509_st;

namespace careid::pki {

// Returns every rfc822Name of the subjectAltName extension, in order (RFC 5280 4.2.1.6).
// A value that is not printable ASCII is returned as an empty string, which matches no one.
std::vector<std::string> certificate_san_emails(x509_st* certificate);

// Returns every otherName userPrincipalName (OID 1.3.6.1.4.1.311.20.2.3, a UTF8String, as
// Microsoft smartcard logon uses it) of the subjectAltName extension, in order. A value of
// another ASN.1 type, or one that is not printable ASCII, is returned as an empty string.
std::vector<std::string> certificate_san_upns(x509_st* certificate);

// Adds a non-critical subjectAltName extension with the rfc822Name `emails` and the
// otherName userPrincipalName `upns` (as UTF8String), in that order. Each value must be
// printable ASCII without spaces, at most 254 characters long, with one '@' that has text on
// both sides. kInvalidArgument names the first value that is not. Adds nothing when both
// lists are empty.
Status add_subject_alt_names(x509_st* certificate, const std::vector<std::string>& emails,
                             const std::vector<std::string>& upns);

// Returns the DER encoding of `certificate`; empty when OpenSSL cannot encode it.
std::string certificate_der(x509_st* certificate);

// True when the DER certificates `a` and `b` have the same issuer name (compared with
// X509_NAME_cmp, on the canonical encoding) and the same serial number. kInvalidArgument
// when either does not parse.
Result<bool> same_issuer_and_serial(std::string_view a, std::string_view b);

}  // namespace careid::pki
