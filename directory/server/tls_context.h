// TLS for the LDAP listener: the server context for LDAPS and StartTLS (RFC 4513 3) and
// the client certificate that SASL EXTERNAL (RFC 4513 5.2.3) maps to a person.
//
// The context requests a client certificate issued by ldap.tls_ca but lets the handshake
// finish without one, because most LDAP clients bind with a password over TLS. The
// verification verdict stays in the connection and is read by read_client_certificate();
// callers must treat anything but ClientCertificate::verified as "no certificate".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>  // includes <openssl/ssl.h>

#include "base/config.h"
#include "base/status.h"

using SSL = struct ssl_st;

namespace careid::directory::server {

// The client certificate of one TLS connection, as the handshake left it.
struct ClientCertificate {
  bool present = false;
  // True only when the chain verified against ldap.tls_ca with X509_V_OK (signature,
  // validity period and the clientAuth purpose).
  bool verified = false;
  // OpenSSL's reason when `verified` is false, e.g. "certificate has expired".
  std::string verify_error;
  // Subject in RFC 2253 form, for logs.
  std::string subject;
  // Every commonName value of the subject, in certificate order, as UTF-8.
  std::vector<std::string> common_names;
  // Serial number in lower-case hex without leading zeros, for the revocation check.
  std::string serial_hex;
};

// Builds the server context from ldap.tls_certificate, tls_private_key and tls_ca: TLS 1.2
// or later, no session resumption, tls_ca as the only trust anchor for client
// certificates. Fails with a Status naming the key and file, also when the key file is
// readable by group or others. Blocks on file reads; call at start-up.
Result<std::unique_ptr<boost::asio::ssl::context>> make_ldap_tls_context(const LdapConfig& config);

// Reads the client certificate and its chain verification result from a connection whose
// handshake has completed.
ClientCertificate read_client_certificate(SSL* ssl);

}  // namespace careid::directory::server
