// careid's own SAML metadata (SAML Metadata 2.3.2 and 2.4.3): what an SP needs to trust it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "xml/signature.h"

namespace careid::federation::saml {

// Returns an md:EntityDescriptor for `entity_id` with one IDPSSODescriptor: SAML 2.0
// protocol support, WantAuthnRequestsSigned="false", a signing KeyDescriptor holding
// `certificate_base64` (base64 DER), NameIDFormat persistent, transient and emailAddress,
// and the HTTP-Redirect and HTTP-POST SingleSignOnService at `sso_url`. A non-empty
// `slo_url` adds the HTTP-Redirect and HTTP-POST SingleLogoutService there. Each of
// `additional_certificates` (base64 DER) gets a signing KeyDescriptor after the current one, so
// that SPs trust the next key before a rollover and the old one after it. A non-empty
// `artifact_resolution_url` adds the SOAP ArtifactResolutionService there, with index
// kArtifactResolutionIndex. The metadata itself is not signed.
std::string build_idp_metadata(std::string_view entity_id, std::string_view sso_url,
                               std::string_view certificate_base64,
                               std::string_view slo_url = {},
                               const std::vector<std::string>& additional_certificates = {},
                               std::string_view artifact_resolution_url = {});

// Same as build_idp_metadata, with a random ID on the EntityDescriptor and an enveloped
// signature by `key` as its first child (SAML Metadata 3.1 and the schema's element order),
// so that an SP can check the metadata it downloads against careid's certificate.
// kInternal when the random generator or signing fails.
Result<std::string> build_signed_idp_metadata(std::string_view entity_id,
                                              std::string_view sso_url,
                                              const xml::SigningKey& key,
                                              std::string_view slo_url = {},
                                              const std::vector<std::string>& additional_certificates = {},
                                              std::string_view artifact_resolution_url = {});

}  // namespace careid::federation::saml
