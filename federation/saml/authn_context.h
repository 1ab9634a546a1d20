// The RequestedAuthnContext check (SAML Core 3.3.2.2.1) for careid's only authentication
// method, a smartcard with a certificate (class SmartcardPKI).
#pragma once

#include <string_view>

#include "base/status.h"
#include "xml/document.h"

namespace careid::federation::saml {

// Checks `requested` (a samlp:RequestedAuthnContext element, or a null Element when the
// request has none) against the SmartcardPKI class that careid asserts. A request passes
// when one listed AuthnContextClassRef satisfies its Comparison:
//   exact (the default)  the class is SmartcardPKI
//   minimum              the class is SmartcardPKI or weaker
//   better               the class is weaker than SmartcardPKI
//   maximum              the class is SmartcardPKI, because careid ranks no class above it
// Weaker classes: unspecified, InternetProtocol, InternetProtocolPassword, Password,
// PasswordProtectedTransport, PreviousSession, TLSClient, X509, SoftwarePKI,
// MobileOneFactorUnregistered and MobileOneFactorContract. Any other class never matches.
// Errors are kFailedPrecondition, which the caller returns to the SP as NoAuthnContext:
//   - no listed class matches;
//   - the request lists AuthnContextDeclRef values, because careid publishes no
//     authentication context declarations;
//   - Comparison has another value.
Status check_requested_authn_context(xml::Element requested);

}  // namespace careid::federation::saml
