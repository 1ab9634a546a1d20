// The SUS API on careidd's HTTPS server: a federation::http::Mount for /sus/v1/ that
// authenticates each request (bearer.h) and passes it to SusApi.
//
// TODO: the API runs on the HTTPS server's blocking pool (ServerOptions::blocking_threads,
// two threads), which SAML signing and the OpenID provider share, so a long extract delays
// logins meanwhile. A pool of its own would separate them.
//
// Each request is logged once at debug level on the "sus" logger as `sus api method=...
// path=... status=... uid=... org=...`; tokens are never logged.
#pragma once

#include "federation/http/router.h"
#include "sus/api/api.h"
#include "sus/api/http/bearer.h"

namespace careid::sus::api::http {

// Builds the mount of `api`. `api` and `authenticator` must outlive the HTTPS server.
federation::http::Mount make_mount(const SusApi& api, const BearerAuthenticator& authenticator);

}  // namespace careid::sus::api::http
