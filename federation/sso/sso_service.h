// SsoService: one SAML login from a card certificate and an HTTP-Redirect AuthnRequest,
// without HTTP. The HTTPS layer maps the reply kind to a status code and page.
//
// Order of checks: the card and its holder in the directory first, so that a client
// without a valid card never gets its request decoded, then the AuthnRequest, then the
// signed Response. Each outcome is logged once on the "federation" logger as
// `login outcome=... uid=... sp=... client=...`; the assertion itself is never logged.
//
// Thread safety: handle_redirect is const and may run on several threads at once. It
// blocks while the IdentityProvider signs the Response, so call it off the I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "federation/saml/identity_provider.h"
#include "federation/sso/card_login.h"
#include "federation/sso/identity_source.h"
#include "federation/sso/persistent_id.h"

namespace careid::federation::sso {

struct SsoReply {
  enum class Kind {
    // 200: `body` is the auto-submit HTML page posting to `acs_url`: the signed Response,
    // or a SAML error Response when the request was rejected but its SP is known.
    kPostForm,
    kDenied,         // 403: no valid card or unknown person; `body` gives the reason
    kBadRequest,     // 400: AuthnRequest rejected, SP unknown; `body` gives the reason
    kUnavailable,    // 503: the directory could not be read
    kInternalError,  // 500: building or signing the Response failed
  };
  Kind kind = Kind::kInternalError;
  std::string body;
  std::string acs_url;
};

class SsoService {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Both references must outlive the service.
  SsoService(IdentitySource& source, const saml::IdentityProvider& idp, PersistentIdGenerator ids,
             Clock clock = std::chrono::system_clock::now);

  // Handles GET /saml/sso. `query` is the raw query string (after '?'); `client` names the
  // peer in logs, e.g. "peer=127.0.0.1:50522 conn=7".
  SsoReply handle_redirect(const PeerCertificate& card, std::string_view query,
                           std::string_view client) const;

 private:
  SsoReply reply_for_bad_request(const saml::RequestError& error, std::string_view uid,
                                 std::string_view client) const;

  IdentitySource& source_;
  const saml::IdentityProvider& idp_;
  PersistentIdGenerator ids_;
  Clock clock_;
};

}  // namespace careid::federation::sso
