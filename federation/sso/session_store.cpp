#include "federation/sso/session_store.h"

#include <algorithm>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::sso {

Result<std::string> random_token() {
  Result<pki::Bytes> bytes = pki::random_bytes(32);
  if (!bytes.ok()) {
    return bytes.status();
  }
  // RFC 4648 section 5 alphabet: the token needs no escaping in a cookie or a form field.
  std::string text = pki::base64_encode(*bytes, pki::Base64Padding::kNone);
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

SessionStore::SessionStore(SessionSettings settings, Clock clock)
    : settings_(settings), clock_(std::move(clock)) {}

std::chrono::system_clock::time_point SessionStore::session_end(const SsoSession& session) const {
  return std::min(session.last_used + settings_.idle_timeout,
                  session.created + settings_.absolute_timeout);
}

void SessionStore::drop_expired(std::chrono::system_clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& entry) { return session_end(entry.second) <= now; });
  std::erase_if(pending_, [&](const auto& entry) { return entry.second.expires <= now; });
}

Result<SsoSession> SessionStore::start(std::string card_fingerprint, std::string uid,
                                       std::string role_profile_id) {
  Result<std::string> id = random_token();
  Result<std::string> index = random_token();
  if (!id.ok() || !index.ok()) {
    return Status::internal("cannot create a session ID: the random generator failed");
  }

  auto now = clock_();
  SsoSession session{std::move(*id), "_" + *index, std::move(card_fingerprint), std::move(uid),
                     std::move(role_profile_id), now, now, {}, {}};
  std::lock_guard lock(mutex_);
  drop_expired(now);
  if (sessions_.size() >= std::max<std::size_t>(settings_.max_sessions, 1)) {
    auto soonest = std::min_element(sessions_.begin(), sessions_.end(), [&](const auto& a, const auto& b) {
      return session_end(a.second) < session_end(b.second);
    });
    sessions_.erase(soonest);
  }
  sessions_.emplace(session.id, session);
  return session;
}

std::optional<SsoSession> SessionStore::use(std::string_view id,
                                            std::string_view card_fingerprint) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) {
    return std::nullopt;
  }
  if (session_end(found->second) <= now) {
    sessions_.erase(found);
    return std::nullopt;
  }
  // A different card must not learn or extend another card holder's session.
  bool same_card = pki::constant_time_equal(pki::as_bytes(found->second.card_fingerprint),
                                            pki::as_bytes(card_fingerprint));
  if (!same_card || card_fingerprint.empty()) {
    return std::nullopt;
  }
  found->second.last_used = now;
  return found->second;
}

void SessionStore::record_service_provider(std::string_view id, std::string_view sp_entity_id,
                                           IssuedNameId name_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) {
    return;
  }
  auto& sps = found->second.service_providers;
  if (std::find(sps.begin(), sps.end(), sp_entity_id) == sps.end()) {
    sps.emplace_back(sp_entity_id);
  }
  found->second.name_ids.insert_or_assign(std::string(sp_entity_id), std::move(name_id));
}

std::optional<SsoSession> SessionStore::end(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) {
    return std::nullopt;
  }
  SsoSession session = std::move(found->second);
  sessions_.erase(found);
  return session;
}

std::optional<SsoSession> SessionStore::end_for_logout(std::string_view session_index,
                                                       std::string_view id,
                                                       std::string_view sp_entity_id,
                                                       std::string_view name_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.end();
  if (!session_index.empty()) {
    found = std::find_if(sessions_.begin(), sessions_.end(), [&](const auto& entry) {
      return entry.second.session_index == session_index;
    });
  } else if (!id.empty()) {
    found = sessions_.find(id);
  }
  if (found == sessions_.end()) {
    return std::nullopt;
  }

  const auto& sps = found->second.service_providers;
  if (std::find(sps.begin(), sps.end(), sp_entity_id) == sps.end()) {
    return std::nullopt;
  }
  auto issued = found->second.name_ids.find(sp_entity_id);
  if (issued == found->second.name_ids.end() || issued->second.value != name_id) {
    return std::nullopt;
  }
  SsoSession session = std::move(found->second);
  sessions_.erase(found);
  return session;
}

Result<std::string> SessionStore::add_pending(std::string card_fingerprint, std::string uid,
                                              saml::AuthnRequest request) {
  Result<std::string> token = random_token();
  if (!token.ok()) {
    return Status::internal("cannot create a CSRF token: the random generator failed");
  }

  auto now = clock_();
  PendingChoice choice{*token, std::move(card_fingerprint), std::move(uid), std::move(request),
                       now + settings_.choice_timeout};
  std::lock_guard lock(mutex_);
  drop_expired(now);
  if (pending_.size() >= std::max<std::size_t>(settings_.max_pending_choices, 1)) {
    auto soonest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    pending_.erase(soonest);
  }
  pending_.emplace(*token, std::move(choice));
  return token;
}

std::optional<PendingChoice> SessionStore::take_pending(std::string_view csrf_token,
                                                        std::string_view card_fingerprint) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  auto found = pending_.find(csrf_token);
  if (found == pending_.end()) {
    return std::nullopt;
  }
  if (found->second.expires <= now || found->second.card_fingerprint != card_fingerprint ||
      card_fingerprint.empty()) {
    return std::nullopt;
  }
  PendingChoice choice = std::move(found->second);
  pending_.erase(found);
  return choice;
}

void SessionStore::put_logout(LogoutProgress progress) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  std::erase_if(logouts_, [&](const auto& entry) { return entry.second.expires <= now; });
  logouts_.erase(progress.id);
  if (logouts_.size() >= std::max<std::size_t>(settings_.max_logouts, 1)) {
    auto soonest = std::min_element(logouts_.begin(), logouts_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    logouts_.erase(soonest);
  }
  std::string id = progress.id;
  logouts_.emplace(std::move(id), std::move(progress));
}

std::optional<LogoutProgress> SessionStore::take_logout(std::string_view id) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  auto found = logouts_.find(id);
  if (found == logouts_.end() || id.empty()) {
    return std::nullopt;
  }
  LogoutProgress progress = std::move(found->second);
  logouts_.erase(found);
  if (progress.expires <= now) {
    return std::nullopt;
  }
  return progress;
}

std::size_t SessionStore::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace careid::federation::sso
