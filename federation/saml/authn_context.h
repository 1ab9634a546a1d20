// The RequestedAuthnContext check (SAML Core 3.3.2.2.1) for careid's authentication methods:
// a smartcard with a certificate (class SmartcardPKI, AAL3) and the optional fallback of a
// password plus a TOTP code over TLS (class PasswordProtectedTransport, AAL2).
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

// Returns true when a password login (class PasswordProtectedTransport) meets `requested`,
// and for a null Element. careid ranks PasswordProtectedTransport below SmartcardPKI and
// above unspecified, InternetProtocol, InternetProtocolPassword, Password and
// PreviousSession, so:
//   exact     PasswordProtectedTransport is listed
//   minimum   PasswordProtectedTransport or one of those weaker classes is listed
//   better    one of those weaker classes is listed
//   maximum   PasswordProtectedTransport or SmartcardPKI is listed
// A request with AuthnContextDeclRef or an unknown Comparison returns false. A request for
// SmartcardPKI (exact or minimum) returns false too, so a password login never satisfies it.
bool password_meets_requested_authn_context(xml::Element requested);

}  // namespace careid::federation::saml
