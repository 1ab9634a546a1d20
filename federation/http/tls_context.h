// TLS set-up for the HTTPS front end: the server context and the client certificate check.
//
// The context requests a certificate issued by the card CA from every client (the
// CertificateRequest lists that CA). It lets the handshake finish whatever the client
// sends, so that a browser without a card gets an HTTP 403 page with the reason instead
// of a TLS alert. The verdict is read after the handshake by read_peer_certificate(); callers
// must treat anything but PeerCertificate::verified as "no valid card".
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>  // includes <openssl/ssl.h>

#include "base/config.h"
#include "base/status.h"
#include "federation/sso/card_login.h"

using SSL = struct ssl_st;

namespace careid::federation::http {

// Builds the server context from `config`: certificate chain and private key, TLS 1.2 or
// later, the card CA as the only trust anchor and as the client CA list, and no session
// resumption. Fails with a Status naming the file and the OpenSSL reason, also when the
// key file is readable by group or others.
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const HttpsConfig& config);

// Reads the client certificate and the chain verification result of a connection whose
// handshake has completed.
sso::PeerCertificate read_peer_certificate(SSL* ssl);

}  // namespace careid::federation::http
