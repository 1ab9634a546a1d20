// Prometheus metric of certificate expiry: careid_certificate_expiry_seconds{certificate,
// path}, the seconds until each certificate's notAfter (negative once it has passed).
//
// The files are read at every scrape, so a renewed certificate shows at the next scrape
// without a restart. A file that cannot be read or parsed has no sample at that scrape and
// logs a warning. Alert on a missing series (PromQL absent()) as on a short expiry.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/metrics.h"

namespace careid::pki {

struct WatchedCertificate {
  std::string name;  // the label value, e.g. "card_ca" or "https"
  std::filesystem::path path;
};

// Returns the certificates that `config` names: the card CA, the HTTPS and LDAP TLS
// certificates, the SAML signing certificate and, when its file exists, the OCSP signing
// certificate.
std::vector<WatchedCertificate> configured_certificates(const Config& config);

// Adds the collector to metrics::registry() until the returned registration is destroyed.
[[nodiscard]] metrics::Registry::Registration add_certificate_expiry_metrics(
    std::vector<WatchedCertificate> certificates);

}  // namespace careid::pki
