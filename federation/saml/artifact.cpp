#include "federation/saml/artifact.h"

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::saml {
namespace {

// The base64 of 44 bytes is 60 characters. The slack of 4 still rejects long input before
// decoding it.
constexpr std::size_t kMaxArtifactTextBytes = 64;

}  // namespace

Result<pki::Bytes> artifact_source_id(std::string_view entity_id) {
  auto digest = pki::sha1(pki::as_bytes(entity_id));
  if (!digest.ok()) {
    return digest.status().with_context("SHA-1 of the artifact issuer's entityID");
  }
  return std::move(digest).value();
}

Result<Artifact> new_artifact(std::string_view entity_id, std::uint16_t endpoint_index) {
  auto source_id = artifact_source_id(entity_id);
  if (!source_id.ok()) {
    return source_id.status();
  }
  auto handle = pki::random_bytes(kArtifactHandleBytes);
  if (!handle.ok()) {
    return handle.status().with_context("random artifact message handle");
  }
  return Artifact{endpoint_index, std::move(source_id).value(), std::move(handle).value()};
}

std::string encode_artifact(const Artifact& artifact) {
  pki::Bytes bytes;
  bytes.reserve(kArtifactBytes);
  bytes.push_back(static_cast<std::uint8_t>(kArtifactTypeCode >> 8));
  bytes.push_back(static_cast<std::uint8_t>(kArtifactTypeCode & 0xff));
  bytes.push_back(static_cast<std::uint8_t>(artifact.endpoint_index >> 8));
  bytes.push_back(static_cast<std::uint8_t>(artifact.endpoint_index & 0xff));
  bytes.insert(bytes.end(), artifact.source_id.begin(), artifact.source_id.end());
  bytes.insert(bytes.end(), artifact.message_handle.begin(), artifact.message_handle.end());
  return pki::base64_encode(bytes);
}

Result<Artifact> decode_artifact(std::string_view text) {
  if (text.size() > kMaxArtifactTextBytes) {
    return Status::invalid_argument("SAML artifact is " + std::to_string(text.size()) +
                                    " characters long; a type 0x0004 artifact has 60");
  }
  auto bytes = pki::base64_decode(text);
  if (!bytes.ok()) {
    return Status::invalid_argument("SAML artifact is not valid base64");
  }
  if (bytes->size() != kArtifactBytes) {
    return Status::invalid_argument("SAML artifact decodes to " + std::to_string(bytes->size()) +
                                    " bytes; a type 0x0004 artifact has 44");
  }
  std::uint16_t type_code = static_cast<std::uint16_t>(((*bytes)[0] << 8) | (*bytes)[1]);
  if (type_code != kArtifactTypeCode) {
    return Status::invalid_argument("SAML artifact type code " + std::to_string(type_code) +
                                    " is not supported; only type 0x0004 is");
  }

  Artifact artifact;
  artifact.endpoint_index = static_cast<std::uint16_t>(((*bytes)[2] << 8) | (*bytes)[3]);
  auto source_begin = bytes->begin() + 4;
  auto handle_begin = source_begin + kArtifactSourceIdBytes;
  artifact.source_id.assign(source_begin, handle_begin);
  artifact.message_handle.assign(handle_begin, bytes->end());
  return artifact;
}

}  // namespace careid::federation::saml
