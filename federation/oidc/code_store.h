// One-time authorization codes (RFC 6749 4.1.2), kept in memory.
//
// A code is 32 random bytes in base64url. take() removes the code, so a second redemption
// finds nothing (RFC 6749 4.1.2: a code is used once). Codes are lost when careidd restarts,
// which only makes a login in progress start again.
//
// Thread-safe: one mutex guards the map.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "federation/sso/password_login.h"

namespace careid::federation::oidc {

// The grant behind one code: what the authorization endpoint approved and the token
// endpoint checks before it issues tokens.
struct AuthorizationGrant {
  std::string client_id;
  std::string redirect_uri;
  std::string uid;
  std::vector<std::string> scopes;
  std::string nonce;           // empty when the request had none
  std::string code_challenge;  // S256 challenge; empty when the client sent none
  std::chrono::system_clock::time_point auth_time;
  std::chrono::system_clock::time_point expires;
  // The SSO session of the login (federation/sso/session_store.h). session_id is its cookie
  // value, kept only in memory, and sid its SessionIndex, which ID tokens carry as `sid`.
  // No refresh token of the grant works after session_expires, the session's absolute end.
  // All are empty, and the epoch, for a login without a session.
  std::string session_id;
  std::string sid;
  std::string role_profile_id;
  std::chrono::system_clock::time_point session_expires{};
  // Login method of the person, which sets acr, amr and authentication_assurance_level.
  sso::AuthenticationMethod method = sso::AuthenticationMethod::kSmartcard;
};

class CodeStore {
 public:
  // Outstanding codes at most; further issue() calls fail with ResourceExhausted until codes
  // are redeemed or expire.
  static constexpr std::size_t kDefaultMaxCodes = 10000;

  explicit CodeStore(std::size_t max_codes = kDefaultMaxCodes) : max_codes_(max_codes) {}

  // Stores `grant` under a new random code and returns the code. Drops expired codes first.
  Result<std::string> issue(AuthorizationGrant grant, std::chrono::system_clock::time_point now);

  // Removes and returns the grant of `code`; nullopt when the code is unknown, already used
  // or expired at `now`.
  std::optional<AuthorizationGrant> take(std::string_view code,
                                         std::chrono::system_clock::time_point now);

  std::size_t size() const;

 private:
  void drop_expired(std::chrono::system_clock::time_point now);

  const std::size_t max_codes_;
  mutable std::mutex mutex_;
  std::map<std::string, AuthorizationGrant, std::less<>> grants_;
};

}  // namespace careid::federation::oidc
