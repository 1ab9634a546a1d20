#include "federation/oidc/code_store.h"

#include "federation/oidc/jose.h"
#include "pki/digest.h"

namespace careid::federation::oidc {
namespace {

constexpr std::size_t kCodeBytes = 32;

}  // namespace

Result<std::string> CodeStore::issue(AuthorizationGrant grant,
                                     std::chrono::system_clock::time_point now) {
  Result<pki::Bytes> random = pki::random_bytes(kCodeBytes);
  if (!random.ok()) {
    return random.status();
  }
  std::string code = base64url_encode(*random);

  std::lock_guard lock(mutex_);
  drop_expired(now);
  if (grants_.size() >= max_codes_) {
    return Status::resource_exhausted("too many authorization codes outstanding");
  }
  grants_.emplace(code, std::move(grant));
  return code;
}

std::optional<AuthorizationGrant> CodeStore::take(std::string_view code,
                                                  std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto found = grants_.find(code);
  if (found == grants_.end()) {
    return std::nullopt;
  }
  AuthorizationGrant grant = std::move(found->second);
  grants_.erase(found);
  if (grant.expires <= now) {
    return std::nullopt;
  }
  return grant;
}

std::size_t CodeStore::size() const {
  std::lock_guard lock(mutex_);
  return grants_.size();
}

void CodeStore::drop_expired(std::chrono::system_clock::time_point now) {
  for (auto it = grants_.begin(); it != grants_.end();) {
    it = it->second.expires <= now ? grants_.erase(it) : std::next(it);
  }
}

}  // namespace careid::federation::oidc
