// Refresh tokens (RFC 6749 6) and token revocation state (RFC 7009), kept in memory.
//
// A refresh token is 32 random bytes in base64url. Only its SHA-256 is stored, so a memory
// dump does not reveal usable tokens. Every token belongs to a family: the tokens and access
// token ids issued from one authorization code. Each use rotates the token (the old one is
// marked used and a new one is issued in the same family). Presenting a used token again
// revokes the whole family, as the OAuth 2.0 Security Best Current Practice (RFC 9700)
// recommends for refresh tokens, because either the client or an attacker has a stolen copy.
//
// Revoked access tokens are remembered by `jti` until their `exp`, so that introspection and
// userinfo reject them although they are self-contained JWTs. Redeemed authorization codes
// are remembered by hash with their family, so that a code presented twice revokes what it
// issued (RFC 6749 4.1.2). The jti of each client assertion is remembered until its exp, so
// that a private_key_jwt assertion is used once.
//
// Everything is lost when careidd restarts: refresh tokens stop working and clients must
// send the user through the authorization endpoint again.
//
// Thread-safe: one mutex guards all maps.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "federation/oidc/code_store.h"

namespace careid::federation::oidc {

using TimePoint = std::chrono::system_clock::time_point;

// The outcome of presenting a refresh token.
enum class RefreshOutcome { kRotated, kUnknown, kWrongClient, kReused };

struct RefreshResult {
  RefreshOutcome outcome = RefreshOutcome::kUnknown;
  std::string family;          // set for kRotated and kReused
  AuthorizationGrant grant;    // set for kRotated: the grant the family started from
};

class TokenStore {
 public:
  // Live token families at most; further start_family() calls fail with ResourceExhausted
  // until families expire or are revoked.
  static constexpr std::size_t kDefaultMaxFamilies = 100000;
  static constexpr std::size_t kDefaultMaxAssertionIds = 100000;

  explicit TokenStore(std::size_t max_families = kDefaultMaxFamilies,
                      std::size_t max_assertion_ids = kDefaultMaxAssertionIds)
      : max_families_(max_families), max_assertion_ids_(max_assertion_ids) {}

  // Starts a family for the tokens issued from `grant` and returns its id. `code` is the
  // redeemed authorization code (empty for grants without one); it is stored hashed. The
  // family lives until `expires` at least, and longer while its tokens do.
  Result<std::string> start_family(const AuthorizationGrant& grant, std::string_view code,
                                   TimePoint now, TimePoint expires);

  // Issues a new refresh token of `family` that expires at `expires`. NotFound when the
  // family was revoked or has expired.
  Result<std::string> issue_refresh_token(std::string_view family, TimePoint expires);

  // Records that access token `jti` (expiring at `expires`) belongs to `family`, so that
  // revoking the family revokes it too.
  void add_access_token(std::string_view family, std::string_view jti, TimePoint expires);

  // Marks `token` used and returns its family and grant. A token used before revokes its
  // family (kReused). A token of another client is left unchanged (kWrongClient).
  RefreshResult use_refresh_token(std::string_view token, std::string_view client_id,
                                  TimePoint now);

  // Revokes the family of refresh token `token` when it belongs to `client_id`. Returns
  // false when the token is unknown or belongs to another client.
  bool revoke_refresh_token(std::string_view token, std::string_view client_id, TimePoint now);

  // Revokes the family started from authorization code `code`. Returns false when no
  // family was started from it.
  bool revoke_code_family(std::string_view code, TimePoint now);

  // Revokes every family whose grant has SSO session `sid` (AuthorizationGrant::sid) and
  // returns how many. NOTE: scans every family, which is linear in family_count().
  std::size_t revoke_session(std::string_view sid, TimePoint now);

  // Revokes one access token until `expires`.
  void revoke_access_token(std::string_view jti, TimePoint expires);

  bool is_access_token_revoked(std::string_view jti, TimePoint now) const;

  // Records the jti of a client assertion (RFC 7523 3, item 7) until `expires`. Returns false
  // when the same client used that jti before, or when max_assertion_ids are stored, so that a
  // flood of assertions fails closed instead of growing memory.
  bool remember_assertion_id(std::string_view client_id, std::string_view jti, TimePoint expires,
                             TimePoint now);

  std::size_t family_count() const;

 private:
  struct Family {
    AuthorizationGrant grant;
    std::string code_hash;
    std::set<std::string> refresh_hashes;
    std::map<std::string, TimePoint> access_tokens;  // jti -> exp
    TimePoint expires;
  };
  struct RefreshToken {
    std::string family;
    TimePoint expires;
    bool used = false;
  };

  void revoke_family_locked(const std::string& family, TimePoint now);
  void drop_expired_locked(TimePoint now);

  const std::size_t max_families_;
  const std::size_t max_assertion_ids_;
  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::map<std::string, RefreshToken, std::less<>> refresh_tokens_;  // by SHA-256 of the token
  std::map<std::string, std::string, std::less<>> code_families_;    // code hash -> family
  std::map<std::string, TimePoint, std::less<>> revoked_access_;  // jti -> exp
  std::map<std::pair<std::string, std::string>, TimePoint> assertion_ids_;  // (client, jti)
};

}  // namespace careid::federation::oidc
