// TLS server settings and client-certificate reading shared by careid's two TLS listeners
// (LDAPS/StartTLS in directory/server and HTTPS in federation/http). Plain OpenSSL, so
// callers pass the native handles of their Asio contexts and streams.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct ssl_ctx_st;
struct x509_st;

namespace careid::pki {

// Applies careid's server policy to `context`: TLS 1.2 or later, forward-secret AEAD
// suites for TLS 1.2, no compression or renegotiation, and no session resumption, so a
// client certificate's verification result never comes from a cached session.
// `session_context` names the listener (e.g. "careid-ldap").
void apply_tls_server_policy(ssl_ctx_st* context, std::string_view session_context);

// Returns the certificate's subject in RFC 2253 form, cut to 256 characters for logs.
std::string certificate_subject_text(x509_st* certificate);

// Returns every CN of the certificate's subject in order. A CN that does not decode is
// returned as an empty string, so one good and one bad CN never look like a single CN.
std::vector<std::string> certificate_common_names(x509_st* certificate);

// Returns the serial number in lower-case hex without leading zeros, the form the card
// registry uses; empty when OpenSSL cannot decode it.
std::string certificate_serial_hex(x509_st* certificate);

}  // namespace careid::pki
