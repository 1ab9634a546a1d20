// SAML artifacts of type 0x0004 (SAML Bindings 3.6): a 44-byte reference to a message
// that the issuer keeps and hands out once to the requester it was issued for.
//
//   SAMLart := base64(TypeCode EndpointIndex SourceID MessageHandle)
//   TypeCode 0x0004 (2 bytes), EndpointIndex (2 bytes, big-endian), SourceID = SHA-1 of
//   the issuer's entityID (20 bytes), MessageHandle (20 random bytes)
//
// The message handle is the secret part, because anyone who has the artifact and can
// authenticate as the intended requester receives the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"

namespace careid::federation::saml {

inline constexpr std::uint16_t kArtifactTypeCode = 0x0004;
inline constexpr std::size_t kArtifactSourceIdBytes = 20;
inline constexpr std::size_t kArtifactHandleBytes = 20;
inline constexpr std::size_t kArtifactBytes = 4 + kArtifactSourceIdBytes + kArtifactHandleBytes;

struct Artifact {
  std::uint16_t endpoint_index = 0;  // index of the issuer's ArtifactResolutionService
  pki::Bytes source_id;              // kArtifactSourceIdBytes
  pki::Bytes message_handle;         // kArtifactHandleBytes
};

// Returns the SourceID of `entity_id`, which is its SHA-1 digest. kInternal when OpenSSL
// fails.
Result<pki::Bytes> artifact_source_id(std::string_view entity_id);

// Returns a new artifact for the issuer `entity_id`: its SourceID and 20 bytes from
// OpenSSL's RAND_bytes. kInternal when OpenSSL fails.
Result<Artifact> new_artifact(std::string_view entity_id, std::uint16_t endpoint_index);

// Returns the base64 text of `artifact` (60 characters). The caller passes source_id and
// message_handle of the documented sizes.
std::string encode_artifact(const Artifact& artifact);

// Decodes the base64 text of an artifact. kInvalidArgument when the text is longer than
// 64 characters, is not base64, does not decode to 44 bytes, or has another type code.
Result<Artifact> decode_artifact(std::string_view text);

}  // namespace careid::federation::saml
