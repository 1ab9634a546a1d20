#include "pki/certificate_expiry.h"

#include <chrono>

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "pki/certificate.h"
#include "pki/layout.h"

namespace careid::pki {

std::vector<WatchedCertificate> configured_certificates(const Config& config) {
  std::vector<WatchedCertificate> certificates = {
      {"card_ca", config.https.card_ca},
      {"https", config.https.certificate},
      {"saml_signing", config.saml.signing_certificate},
  };
  if (!config.ldap.tls_certificate.empty()) {
    certificates.push_back({"ldap", config.ldap.tls_certificate});
  }
  std::error_code ignored;
  const std::filesystem::path ocsp = PkiLayout(config.data_dir).ocsp_signing_certificate();
  if (std::filesystem::exists(ocsp, ignored)) {
    certificates.push_back({"ocsp_signing", ocsp});
  }
  return certificates;
}

metrics::Registry::Registration add_certificate_expiry_metrics(std::vector<WatchedCertificate> certificates) {
  auto collect = [certificates = std::move(certificates)](metrics::Exposition& out) {
    out.family("careid_certificate_expiry_seconds",
               "Seconds until the certificate's notAfter; negative once it has expired.",
               metrics::MetricType::kGauge);
    const auto now = std::chrono::system_clock::now();
    for (const WatchedCertificate& certificate : certificates) {
      Result<Certificate> loaded = Certificate::load_file(certificate.path);
      Result<CertificateInfo> info = loaded.ok() ? loaded->info() : Result<CertificateInfo>(loaded.status());
      if (!info.ok()) {
        // Each scrape would repeat the warning, so it is rate-limited per certificate.
        static log::RateLimitedLog warnings(log::get("pki"));
        warnings.warn(certificate.name, "certificate expiry metric skipped certificate={} error=\"{}\"",
                      certificate.name, info.status().to_string());
        continue;
      }
      const double seconds = std::chrono::duration<double>(info->not_after - now).count();
      out.sample("careid_certificate_expiry_seconds",
                 {{"certificate", certificate.name}, {"path", certificate.path.lexically_normal().string()}},
                 seconds);
    }
  };
  return metrics::registry().add(std::move(collect));
}

}  // namespace careid::pki
