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
// (default), "client_secret_post", "private_key_jwt" or "none" (a public client, which must
// use PKCE). A private_key_jwt client gives its public keys as a JWK Set in "jwks" (see
// client_keys.h) and has no secret.
// Confidential clients give the hex SHA-256 of their secret, never the secret itself. A
// plain hash is safe only for random secrets of 32 bytes or more (for example from
// `openssl rand -base64 32`), because a guessable secret falls to a dictionary attack. Redirect URIs must be absolute https URLs without a fragment
// (RFC 6749 3.1.2), and http is allowed only for 127.0.0.1 and localhost (RFC 8252 7.3).
// They are compared by exact string match.
//
// grant_types (RFC 7591 2) lists what the client may use at the token endpoint:
// "authorization_code" (the default), "refresh_token" and "client_credentials". A client
// with "refresh_token" receives a refresh token when it requests the offline_access scope,
// or with every code redemption when its refresh_tokens member is "always" (the default is
// "offline_access"). "client_credentials" is for confidential service clients only. A client
// with "authorization_code" needs redirect_uris and "openid" among its scopes. A service
// client with only "client_credentials" needs neither, and its scopes are the ones it may
// request for itself.
//
// Logout (RP-Initiated Logout 1.0 and Back-Channel Logout 1.0): post_logout_redirect_uris
// lists where /oidc/logout may send the browser afterwards, checked like redirect_uris.
// careid POSTs a logout token to backchannel_logout_uri when an SSO session ends in which
// the client redeemed a code. That URI follows the redirect URI rules. With
// backchannel_logout_session_required (a boolean) the token must carry `sid`, which
// careid's tokens always do for a login in an SSO session.
//
// Thread safety: immutable after load; share it freely.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "federation/oidc/client_keys.h"

namespace careid::federation::oidc {

enum class ClientAuthMethod { kClientSecretBasic, kClientSecretPost, kPrivateKeyJwt, kNone };

// When a client allowed the refresh_token grant receives a refresh token.
enum class RefreshTokenPolicy { kOfflineAccess, kAlways };

inline constexpr const char* kGrantAuthorizationCode = "authorization_code";
inline constexpr const char* kGrantRefreshToken = "refresh_token";
inline constexpr const char* kGrantClientCredentials = "client_credentials";

std::string_view client_auth_method_name(ClientAuthMethod method);

struct Client {
  std::string client_id;
  ClientAuthMethod auth_method = ClientAuthMethod::kClientSecretBasic;
  std::string secret_sha256;  // 32 bytes, binary; empty for public and private_key_jwt clients
  std::vector<ClientKey> keys;  // private_key_jwt only
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scopes;
  std::vector<std::string> grant_types{kGrantAuthorizationCode};
  RefreshTokenPolicy refresh_tokens = RefreshTokenPolicy::kOfflineAccess;
  std::vector<std::string> post_logout_redirect_uris;
  std::string backchannel_logout_uri;  // empty: no back-channel logout
  bool backchannel_logout_session_required = false;

  bool is_public() const { return auth_method == ClientAuthMethod::kNone; }
  bool allows_redirect_uri(std::string_view uri) const;
  bool allows_post_logout_redirect_uri(std::string_view uri) const;
  bool allows_scope(std::string_view scope) const;
  bool allows_grant(std::string_view grant_type) const;
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
