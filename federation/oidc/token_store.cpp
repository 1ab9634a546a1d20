#include "federation/oidc/token_store.h"

#include <algorithm>
#include <vector>

#include "federation/oidc/jose.h"
#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

constexpr std::size_t kRandomBytes = 32;

std::string hash_of(std::string_view token) {
  Result<pki::Bytes> digest = pki::sha256(pki::as_bytes(token));
  return digest.ok() ? pki::to_string(*digest) : std::string();
}

Result<std::string> random_token() {
  Result<pki::Bytes> random = pki::random_bytes(kRandomBytes);
  if (!random.ok()) {
    return random.status();
  }
  return base64url_encode(*random);
}

}  // namespace

Result<std::string> TokenStore::start_family(const AuthorizationGrant& grant,
                                             std::string_view code, TimePoint now,
                                             TimePoint expires) {
  Result<std::string> id = random_token();
  if (!id.ok()) {
    return id.status();
  }

  std::lock_guard lock(mutex_);
  drop_expired_locked(now);
  if (families_.size() >= max_families_) {
    return Status::resource_exhausted("too many token families outstanding");
  }
  Family family{grant, code.empty() ? std::string() : hash_of(code), {}, {}, expires};
  if (!family.code_hash.empty()) {
    code_families_[family.code_hash] = *id;
  }
  families_.emplace(*id, std::move(family));
  return *id;
}

Result<std::string> TokenStore::issue_refresh_token(std::string_view family_id,
                                                    TimePoint expires) {
  Result<std::string> token = random_token();
  if (!token.ok()) {
    return token.status();
  }
  std::string hash = hash_of(*token);

  std::lock_guard lock(mutex_);
  auto family = families_.find(family_id);
  if (family == families_.end()) {
    return Status::not_found("the token family was revoked or has expired");
  }
  family->second.refresh_hashes.insert(hash);
  family->second.expires = std::max(family->second.expires, expires);
  refresh_tokens_.emplace(hash, RefreshToken{std::string(family_id), expires, false});
  return *token;
}

void TokenStore::add_access_token(std::string_view family_id, std::string_view jti,
                                  TimePoint expires) {
  std::lock_guard lock(mutex_);
  auto family = families_.find(family_id);
  if (family == families_.end()) {
    return;
  }
  family->second.access_tokens[std::string(jti)] = expires;
  family->second.expires = std::max(family->second.expires, expires);
}

RefreshResult TokenStore::use_refresh_token(std::string_view token, std::string_view client_id,
                                            TimePoint now) {
  std::lock_guard lock(mutex_);
  auto found = refresh_tokens_.find(hash_of(token));
  if (found == refresh_tokens_.end() || found->second.expires <= now) {
    return RefreshResult{};
  }
  auto family = families_.find(found->second.family);
  if (family == families_.end()) {
    return RefreshResult{};
  }
  if (family->second.grant.client_id != client_id) {
    return RefreshResult{RefreshOutcome::kWrongClient, {}, {}};
  }

  std::string family_id = found->second.family;
  if (found->second.used) {
    revoke_family_locked(family_id, now);
    return RefreshResult{RefreshOutcome::kReused, family_id, {}};
  }
  found->second.used = true;
  return RefreshResult{RefreshOutcome::kRotated, family_id, family->second.grant};
}

bool TokenStore::revoke_refresh_token(std::string_view token, std::string_view client_id,
                                      TimePoint now) {
  std::lock_guard lock(mutex_);
  auto found = refresh_tokens_.find(hash_of(token));
  if (found == refresh_tokens_.end()) {
    return false;
  }
  auto family = families_.find(found->second.family);
  if (family == families_.end() || family->second.grant.client_id != client_id) {
    return false;
  }
  revoke_family_locked(found->second.family, now);
  return true;
}

bool TokenStore::revoke_code_family(std::string_view code, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto found = code_families_.find(hash_of(code));
  if (found == code_families_.end()) {
    return false;
  }
  std::string family = found->second;
  revoke_family_locked(family, now);
  return true;
}

std::size_t TokenStore::revoke_session(std::string_view sid, TimePoint now) {
  if (sid.empty()) {
    return 0;
  }
  std::lock_guard lock(mutex_);
  std::vector<std::string> revoked;
  for (const auto& [id, family] : families_) {
    if (family.grant.sid == sid) {
      revoked.push_back(id);
    }
  }
  for (const std::string& id : revoked) {
    revoke_family_locked(id, now);
  }
  return revoked.size();
}

void TokenStore::revoke_access_token(std::string_view jti, TimePoint expires) {
  std::lock_guard lock(mutex_);
  revoked_access_[std::string(jti)] = expires;
}

bool TokenStore::is_access_token_revoked(std::string_view jti, TimePoint now) const {
  std::lock_guard lock(mutex_);
  auto found = revoked_access_.find(jti);
  return found != revoked_access_.end() && found->second > now;
}

bool TokenStore::remember_assertion_id(std::string_view client_id, std::string_view jti,
                                       TimePoint expires, TimePoint now) {
  std::lock_guard lock(mutex_);
  for (auto it = assertion_ids_.begin(); it != assertion_ids_.end();) {
    it = it->second <= now ? assertion_ids_.erase(it) : std::next(it);
  }
  if (assertion_ids_.size() >= max_assertion_ids_) {
    return false;
  }
  return assertion_ids_.emplace(std::make_pair(std::string(client_id), std::string(jti)), expires)
      .second;
}

std::size_t TokenStore::family_count() const {
  std::lock_guard lock(mutex_);
  return families_.size();
}

void TokenStore::revoke_family_locked(const std::string& family_id, TimePoint now) {
  auto family = families_.find(family_id);
  if (family == families_.end()) {
    return;
  }
  for (const std::string& hash : family->second.refresh_hashes) {
    refresh_tokens_.erase(hash);
  }
  for (const auto& [jti, expires] : family->second.access_tokens) {
    if (expires > now) {
      revoked_access_[jti] = expires;
    }
  }
  // A later replay of the code finds no family here, and the code store rejects it.
  code_families_.erase(family->second.code_hash);
  families_.erase(family);
}

void TokenStore::drop_expired_locked(TimePoint now) {
  for (auto it = families_.begin(); it != families_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    for (const std::string& hash : it->second.refresh_hashes) {
      refresh_tokens_.erase(hash);
    }
    code_families_.erase(it->second.code_hash);
    it = families_.erase(it);
  }
  for (auto it = revoked_access_.begin(); it != revoked_access_.end();) {
    it = it->second <= now ? revoked_access_.erase(it) : std::next(it);
  }
}

}  // namespace careid::federation::oidc
