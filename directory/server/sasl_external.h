// SASL EXTERNAL bind (RFC 4513 5.2.3, RFC 4422 appendix A): the identity comes from the
// TLS client certificate, which must have verified against ldap.tls_ca.
//
// Mapping: a certificate whose subject has exactly one commonName of 12 ASCII digits (the
// NHS user id on a smartcard) names uid=<CN>,ou=People,<suffix>, and that entry must
// exist with objectClass nhsPerson. Every other case fails closed with
// invalidCredentials, or inappropriateAuthentication when the connection has no TLS
// client certificate at all.
#pragma once

#include <string_view>

#include "directory/engine/directory.h"
#include "directory/server/operations.h"
#include "directory/server/tls_context.h"
#include "pki/revocation_cache.h"

namespace careid::directory::server {

// Runs the bind. `certificate` is nullptr on a connection without TLS. An authzId in the
// credentials is accepted only when it is empty or "dn:" followed by the mapped DN. A card
// that `revocations` lists as revoked or on hold fails with invalidCredentials; a null
// `revocations` skips that check. Blocks on the store; run on a worker thread.
OperationOutcome bind_external(engine::Directory& directory, std::string_view suffix,
                               const ClientCertificate* certificate, const protocol::SaslCredentials& credentials,
                               const pki::RevocationCache* revocations = nullptr);

// Returns the DN that `certificate` maps to, or an empty string when its subject has no
// single 12-digit commonName. Does not check verification or the store.
std::string external_bind_dn(const ClientCertificate& certificate, std::string_view suffix);

}  // namespace careid::directory::server
