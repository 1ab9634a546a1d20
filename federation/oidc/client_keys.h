// Public keys of OpenID clients that authenticate with private_key_jwt (RFC 7523 2.2),
// imported from the JWK Set in their registration (RFC 7591 2, member "jwks").
//
// Only the key types careid verifies are accepted: EC P-256 for ES256 and RSA of 2048 bits
// or more for RS256. A JWK with "d" (a private member) is rejected, because a registration
// file must never carry a client's private key.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "pki/jws_signing.h"
#include "pki/key.h"

namespace careid::federation::oidc {

struct ClientKey {
  std::string kid;  // empty when the JWK has none
  pki::JwsAlgorithm algorithm = pki::JwsAlgorithm::kEs256;
  // Contains only the public half, in pki::PrivateKey because jws_verify takes that type.
  // Shared so that a Client stays copyable.
  std::shared_ptr<const pki::PrivateKey> key;
};

// Imports every key of a JWK Set document {"keys": [...]}. InvalidArgument names the first
// bad key by its position. Two keys with the same kid are InvalidArgument too.
Result<std::vector<ClientKey>> import_client_jwks(const nlohmann::json& jwks);

}  // namespace careid::federation::oidc
