// careid's own SAML metadata (SAML Metadata 2.3.2 and 2.4.3): what an SP needs to trust it.
#pragma once

#include <string>
#include <string_view>

namespace careid::federation::saml {

// Returns an md:EntityDescriptor for `entity_id` with one IDPSSODescriptor: SAML 2.0
// protocol support, WantAuthnRequestsSigned="false", a signing KeyDescriptor holding
// `certificate_base64` (base64 DER), NameIDFormat persistent and transient, and the
// HTTP-Redirect SingleSignOnService at `sso_url`. The metadata itself is not signed.
std::string build_idp_metadata(std::string_view entity_id, std::string_view sso_url,
                               std::string_view certificate_base64);

}  // namespace careid::federation::saml
