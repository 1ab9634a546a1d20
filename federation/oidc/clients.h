// Registered OpenID Connect clients (relying parties), read from one folder at start-up.
//
// Each *.json or *.toml file in the folder registers one client, for example:
//
//   {"client_id": "portal", "token_endpoint_auth_method": "client_secret_basic",
//    "client_secret_sha256": "<64 hex digits>",
//    "redirect_uris": ["https://portal.example/callback"],
//    "scopes": ["openid", "profile", "nationalrbacaccess"]}
//
// Member names follow RFC 7591 2. token_endpoint_auth_method is "client_secret_basic"
// (default), "client_secret_post" or "none" (a public client, which must use PKCE).
// Confidential clients give the hex SHA-256 of their secret, never the secret itself. A
// plain hash is safe only for random secrets of 32 bytes or more (for example from
// `openssl rand -base64 32`), because a guessable secret falls to a dictionary attack. Redirect URIs must be absolute https URLs without a fragment
// (RFC 6749 3.1.2), and http is allowed only for 127.0.0.1 and localhost (RFC 8252 7.3).
// They are compared by exact string match. "openid" must be among the scopes.
//
// Thread safety: immutable after load; share it freely.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::federation::oidc {

enum class ClientAuthMethod { kClientSecretBasic, kClientSecretPost, kNone };

std::string_view client_auth_method_name(ClientAuthMethod method);

struct Client {
  std::string client_id;
  ClientAuthMethod auth_method = ClientAuthMethod::kClientSecretBasic;
  std::string secret_sha256;  // 32 bytes, binary; empty for public clients
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scopes;

  bool is_public() const { return auth_method == ClientAuthMethod::kNone; }
  bool allows_redirect_uri(std::string_view uri) const;
  bool allows_scope(std::string_view scope) const;
  // Compares SHA-256(`secret`) with the stored hash in constant time; false for public clients.
  bool secret_matches(std::string_view secret) const;
};

// Largest registration file read, in bytes.
inline constexpr std::uintmax_t kMaxClientFileBytes = 64 * 1024;

// Parses one registration from JSON or TOML text; `source` names the file in errors.
Result<Client> parse_client_json(std::string_view text, std::string_view source);
Result<Client> parse_client_toml(std::string_view text, std::string_view source);

class ClientRegistry {
 public:
  ClientRegistry() = default;

  // Reads every *.json and *.toml file of `folder` (other files are ignored). A missing
  // folder gives an empty registry. Fails on the first invalid file, naming it, or when two
  // files register the same client_id.
  static Result<ClientRegistry> load(const std::filesystem::path& folder);

  // Adds `client`; AlreadyExists when its client_id is taken.
  Status add(Client client);

  const Client* find(std::string_view client_id) const;
  std::size_t size() const { return clients_.size(); }

 private:
  std::map<std::string, Client, std::less<>> clients_;
};

}  // namespace careid::federation::oidc
