// Single Logout messages that careid starts (SAML Profiles 4.4.3.3): the signed LogoutRequest
// to each other SP of an ended session, and the check of the LogoutResponse it returns.
#pragma once

#include "base/status.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/logout.h"
#include "federation/saml/post_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/service_provider.h"

namespace careid::federation::saml {

// Builds the LogoutRequest for `target` as IdentityProvider::build_logout_request describes.
// NotOnOrAfter is kMaxRequestAge after `context.now`.
Result<OutgoingLogoutRequest> build_logout_request(const LogoutResponseContext& context,
                                                   const ServiceProvider& sp,
                                                   const LogoutTarget& target);

// Checks a LogoutResponse as IdentityProvider::decode_logout_response describes. `message`
// must have come in the SAMLResponse parameter. InvalidArgument or PermissionDenied (bad
// signature) with a message for the log.
Result<LogoutResult> check_logout_response(const RedirectMessage& message,
                                           const LogoutCheckContext& context);
Result<LogoutResult> check_logout_response(const PostMessage& message,
                                           const LogoutCheckContext& context);

}  // namespace careid::federation::saml
