// BearerAuthenticator: turns the Authorization header of a SUS API request into the caller
// (sus/api/access.h), from an access token of careid's own OpenID provider and the role of
// the token's user in the directory.
//
//  1. The token (RFC 6750 2.1) must pass oidc::Provider::verify_access_token: signature
//     by a key of the provider's JWKS with an allowed algorithm and a known kid, typ
//     at+jwt, iss, exp and revocation. Anything else is 401 with error="invalid_token";
//     no token at all is 401 with a bare Bearer challenge (RFC 6750 3.1).
//  2. The token must name a person (`uid`, released by the profile or nationalrbacaccess
//     scope). A client credentials token names none and is refused with 403: a service
//     has no role in the directory, so it has no organisation to scope spells by.
//  3. The role: the token's `selected_roleid` (the SSO session's role) or else the request
//     header NHSD-Session-URID, as NHS APIs take the user's role profile ID; a person with
//     one active role profile may send neither. The role must be an active role profile
//     of the person, read afresh from the directory on every request, so that an ended
//     role stops working at once.
//
// Thread-safe when the IdentitySource is; reads the directory, so run it off the I/O threads.
#pragma once

#include <string_view>

#include "base/status.h"
#include "federation/oidc/provider.h"
#include "federation/sso/identity_source.h"
#include "sus/api/api.h"

namespace careid::sus::api::http {

// The request header that names the caller's role profile when the token does not.
inline constexpr std::string_view kRoleHeader = "NHSD-Session-URID";

class BearerAuthenticator {
 public:
  // `provider` and `people` must outlive the authenticator.
  BearerAuthenticator(const federation::oidc::Provider& provider, federation::IdentitySource& people)
      : provider_(provider), people_(people) {}

  // Returns the caller, or the 400, 401, 403 or 503 reply. `authorization` is the raw
  // Authorization header and `role_header` the raw NHSD-Session-URID header (may be empty).
  Result<Principal, ApiReply> authenticate(std::string_view authorization,
                                           std::string_view role_header) const;

 private:
  const federation::oidc::Provider& provider_;
  federation::IdentitySource& people_;
};

}  // namespace careid::sus::api::http
