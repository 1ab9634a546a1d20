// PKCS#12 (RFC 7292) export of a card's certificate and key, for loading onto a smartcard or
// into a browser.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"
#include "pki/ca.h"

namespace careid::pki {

// PBKDF2 iterations for the key and certificate bags and for the MAC. An estimate that keeps
// one export or import well under a second on current hardware while slowing password guessing.
inline constexpr int kPkcs12Iterations = 100000;

// Encodes `item` (and, when `issuer` is not null, the issuer certificate) as a DER PKCS#12
// file. The key and certificate bags are encrypted with PBES2, PBKDF2 and AES-256-CBC (not the
// legacy RC2 or 3DES schemes) and the file carries an HMAC-SHA256 integrity MAC, all under
// `password`. `friendly_name` labels the bag (for example the card uid). InvalidArgument for an
// empty password or one containing a NUL byte. The result contains the encrypted key: write it with
// write_private_file.
Result<Bytes> export_pkcs12(const CertifiedKey& item, std::string_view password,
                            std::string_view friendly_name, const Certificate* issuer = nullptr);

}  // namespace careid::pki
