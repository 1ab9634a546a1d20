// The self-signed certificate whose key signs careid's SAML responses and metadata.
//
// SAML service providers trust this certificate because it appears in careid's IdP metadata,
// not through a CA, so it is self-signed and long-lived. Rotating it means republishing metadata.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "pki/ca.h"

namespace careid::pki {

struct SamlSigningOptions {
  std::string common_name = "careid SAML signing";
  std::string organization = "nhs";
  uint32_t validity_days = 3650;  // 1 to 36500
  // RSA-2048 by default because many SAML service providers accept only rsa-sha256 signatures;
  // KeyType::kEcdsaP256 gives ecdsa-sha256.
  KeyType key_type = KeyType::kRsa2048;
  std::optional<std::chrono::system_clock::time_point> not_before;
};

// Creates a key and a self-signed certificate for it: subject CN=<common_name>,O=<organization>;
// basicConstraints critical CA:FALSE; keyUsage critical digitalSignature; subjectKeyIdentifier.
// InvalidArgument for an empty name or a validity outside 1-36500 days.
Result<CertifiedKey> create_saml_signing_certificate(const SamlSigningOptions& options = {});

}  // namespace careid::pki
