// The equality key of certificateExactMatch (RFC 4523 2.5): a certificate matches by its
// serial number and issuer name, not by all of its bytes. Internal to the schema library.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::directory::schema {

// Returns the DER serialNumber INTEGER followed by the DER issuer Name of the X.509
// certificate `der`, both copied from its tbsCertificate (RFC 5280 4.1). The two elements
// are self-delimiting, so distinct pairs give distinct keys. InvalidArgument when `der` is
// not a certificate.
//
// The issuer is compared byte for byte. RFC 5280 4.1.2.6 requires a CA to encode the issuer
// of its certificates as its own subject, so the certificates of one CA agree.
// TODO: the GSER CertificateExactAssertion form of RFC 4523 2.5
// ({ serialNumber 42, issuer rdnSequence:"CN=ca" }) is not read; filters give the whole
// certificate instead.
Result<std::string> certificate_issuer_serial_key(std::string_view der);

}  // namespace careid::directory::schema
