// The ArtifactResolutionService over the SAML SOAP binding (SAML Bindings 3.2 and 3.6,
// SAML Core 3.5). An SP posts a SOAP 1.1 envelope whose Body contains one
// samlp:ArtifactResolve. careid returns a signed samlp:ArtifactResponse that carries the
// Response the artifact refers to.
//
// Trust: the request is untrusted until it is authenticated. The ArtifactResolve must carry
// an enveloped signature that verifies with a signing certificate of its Issuer's metadata,
// by the profile of xml/signature.h and on the element that is then read. An SP configured
// for it may instead send it on a TLS connection whose client certificate is one of those
// certificates. The Issuer must be the SP the artifact was issued to.
//
// Errors: SOAP-level problems (too large, not XML, a DOCTYPE, not a SOAP envelope, a
// mustUnderstand header, no single ArtifactResolve in the Body) get a SOAP fault with HTTP
// 500, as SOAP 1.1 sends faults. Every SAML-level problem gets a signed ArtifactResponse
// with a Requester or VersionMismatch status instead, because the SAML SOAP binding keeps
// SOAP faults for SOAP errors. An unknown, used, expired, malformed or foreign artifact
// gets status Success with no message, as SAML Core 3.5 prescribes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "federation/saml/artifact_store.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/service_provider.h"
#include "xml/signature.h"

namespace careid::federation::saml {

// Bound on the request body. A signed ArtifactResolve with two certificates in its KeyInfo
// takes an estimated 6 KiB.
inline constexpr std::size_t kMaxSoapRequestBytes = 64 * 1024;

// The index of careid's one ArtifactResolutionService in its metadata, and the
// EndpointIndex of the artifacts it issues.
inline constexpr std::uint16_t kArtifactResolutionIndex = 0;

// The outcome of a resolution, for logs and metrics.
enum class ArtifactResolveOutcome {
  kResolved,         // the Response was returned
  kNoMessage,        // Success without a message: unknown, used, expired or foreign artifact
  kRejected,         // a SAML error status (signature, Issuer, Version, replay, ...)
  kFault,            // a SOAP fault
};

struct SoapReply {
  int http_status = 200;  // 200, or 500 with a SOAP fault
  std::string body;       // a SOAP 1.1 envelope, Content-Type text/xml
  ArtifactResolveOutcome outcome = ArtifactResolveOutcome::kFault;
};

struct ArtifactResolveContext {
  const ServiceProviderRegistry& service_providers;
  std::string_view idp_entity_id;
  std::string_view resolution_url;  // compared with Destination when the request has one
  std::chrono::system_clock::time_point now;
  const xml::SigningKey* key = nullptr;  // signs every ArtifactResponse; not owned
  ReplayCache* replay_cache = nullptr;   // records ArtifactResolve IDs; not owned
  ArtifactStore* store = nullptr;        // not owned
  // SPs that may authenticate with a TLS client certificate instead of a signature.
  const std::set<std::string, std::less<>>* tls_client_auth_sps = nullptr;
  std::string_view client_certificate_der;  // of the TLS connection; empty when none
  std::string_view client;                  // names the peer in logs
};

// Handles one POST to the ArtifactResolutionService with `soap_body` as received. Never
// fails: every error becomes a SOAP fault or a SAML status as described above, and is
// logged once on the "federation" logger without the artifact or the message.
SoapReply resolve_artifact(std::string_view soap_body, const ArtifactResolveContext& context);

}  // namespace careid::federation::saml
