// HttpsServer: careid's HTTPS front end, the SAML identity provider's web face.
//
// Async model: C++20 coroutines on Boost.Asio 1.81 (awaitable, co_spawn, use_awaitable),
// one coroutine per connection on its own strand, Boost.Beast for HTTP/1.1. The server runs
// HttpsConfig::threads I/O threads plus a small pool for blocking work (signing SAML
// Responses), so a slow signature never stalls other connections.
//
// Limits, from HttpsConfig unless noted: max_header_bytes (431), max_body_bytes (413),
// request_timeout_seconds for each request read and each response write,
// handshake_timeout_seconds (or request_timeout_seconds, if shorter) for the ClientHello and
// again for the TLS handshake, and max_connections concurrent connections (further
// connections are closed at once, and the warning about them is rate-limited). Under overload: while max_handshakes TLS
// handshakes run (counted from the ClientHello), careidd accepts nothing, so connections
// wait in a kernel accept queue of listen_backlog. A connection that the client has
// already closed when its ClientHello is read is dropped before the handshake.
//
// Metrics, while the server exists: careid_https_connections (open connections),
// careid_https_connections_rejected_total (at max_connections), careid_https_handshakes
// (in progress) and careid_https_connections_closed_before_handshake_total.
//
// Thread safety: create, start and stop are called from one controlling thread; the
// destructor calls stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "base/config.h"
#include "base/status.h"
#include "federation/http/pki_routes.h"
#include "federation/http/router.h"
#include "federation/oidc/provider.h"
#include "federation/saml/identity_provider.h"
#include "federation/sso/identity_source.h"

namespace careid::federation::http {

struct ServerOptions {
  // Concurrent TLS connections; 0 means https.max_connections of the configuration.
  std::size_t max_connections = 0;
  // Threads that run the SSO step (directory lookup and XML signing).
  unsigned blocking_threads = 2;
  // How long stop() waits for open connections to finish their current request.
  std::chrono::milliseconds stop_timeout{5000};
  // The OpenID provider served under /oidc/; null serves none. Must outlive the server.
  // create() attaches the server's SSO sessions and Back-Channel Logout sender to it.
  oidc::Provider* oidc = nullptr;
  // Deadline of each step of a Back-Channel Logout request (oidc.backchannel_logout_timeout_seconds).
  std::chrono::seconds backchannel_timeout{5};
  // CRL, OCSP and the revocation check of card logins; all off when empty.
  PkiServices pki;
  // Further path prefixes and their handlers (router.h), such as the SUS API.
  std::vector<Mount> mounts;
  // Receives the SSO logins and SAML assertions (sso_service.h); null records none. Must
  // outlive the server.
  audit::Sink* audit = nullptr;
};

class HttpsServer {
 public:
  // Loads the TLS certificate, key and card CA from config.https and the persistent NameID
  // secret from config.saml (creating it when missing). Fails with a Status naming the
  // file on any unreadable or invalid file, or a private key readable by group or others.
  // `source` and `idp` must outlive the server.
  static Result<std::unique_ptr<HttpsServer>> create(const Config& config, IdentitySource& source,
                                                     const saml::IdentityProvider& idp,
                                                     ServerOptions options = {});

  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds https.listen_address:https.port, starts the I/O threads and returns the bound
  // port (port 0 picks a free one). Logs "https accepting on ADDR:PORT" at debug. Fails
  // with Unavailable when the address cannot be bound, and with FailedPrecondition when
  // called twice.
  Result<std::uint16_t> start();

  // Stops accepting, lets each connection finish the request it is serving, closes the
  // connections and joins the threads. Waits at most about ServerOptions::stop_timeout for
  // connections before it abandons them. Blocks. Safe to call more than once.
  void stop();

 private:
  class Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace careid::federation::http
