#include "federation/sso/persistent_id.h"

#include <algorithm>

#include "pki/digest.h"
#include "pki/encoding.h"
#include "pki/files.h"

namespace careid::federation::sso {
namespace {

// RFC 4648 section 5: the URL- and filename-safe alphabet, so that NameIDs fit in URLs
// and file names at the SP without escaping.
std::string to_base64url(const pki::Bytes& data) {
  std::string text = pki::base64_encode(data, pki::Base64Padding::kNone);
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

Status create_secret(const std::filesystem::path& path) {
  Result<pki::Bytes> secret = pki::random_bytes(PersistentIdGenerator::kSecretBytes);
  if (!secret.ok()) {
    return secret.status().with_context("cannot create persistent ID secret " + path.string());
  }

  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  Status written = pki::write_private_file(path, pki::to_string(*secret));
  // Another process may have created the file first. Its secret wins and is read below.
  if (!written.ok() && written.code() != StatusCode::kAlreadyExists) {
    return written.with_context("cannot create persistent ID secret " + path.string());
  }
  return Status::ok_status();
}

}  // namespace

Result<PersistentIdGenerator> PersistentIdGenerator::load_or_create(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    CAREID_RETURN_IF_ERROR(create_secret(path));
  }

  Result<std::string> secret = pki::read_private_file(path);
  if (!secret.ok()) {
    return secret.status().with_context("saml.persistent_id_secret");
  }
  if (secret->size() < kSecretBytes) {
    return Status::invalid_argument("saml.persistent_id_secret " + path.string() + " holds " +
                                    std::to_string(secret->size()) + " bytes; expected at least " +
                                    std::to_string(kSecretBytes));
  }
  return PersistentIdGenerator(std::move(*secret));
}

Result<std::string> PersistentIdGenerator::name_id(std::string_view sp_entity_id,
                                                   std::string_view uid) const {
  // The NUL separator keeps ("ab", "c") and ("a", "bc") apart. Entity IDs are URIs, which
  // cannot contain NUL.
  std::string message;
  message.reserve(sp_entity_id.size() + 1 + uid.size());
  message.append(sp_entity_id);
  message.push_back('\0');
  message.append(uid);

  Result<pki::Bytes> mac = pki::hmac_sha256(pki::as_bytes(secret_), pki::as_bytes(message));
  if (!mac.ok()) {
    return mac.status().with_context("cannot derive persistent NameID");
  }
  return to_base64url(*mac);
}

}  // namespace careid::federation::sso
