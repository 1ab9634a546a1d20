#include "federation/sso/session_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::sso {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Adds `value` to `map` under `key` and to its index by end time.
template <typename Map, typename Index>
void insert_indexed(Map& map, Index& index, std::string key, TimePoint end,
                    typename Map::mapped_type value) {
  index.emplace(end, key);
  map.emplace(std::move(key), std::move(value));
}

// Removes the entry at `found`, which ends at `end`, from `map` and its index and returns it.
template <typename Map, typename Index>
typename Map::mapped_type remove_indexed(Map& map, Index& index, typename Map::iterator found,
                                         TimePoint end) {
  index.erase({end, found->first});
  typename Map::mapped_type value = std::move(found->second);
  map.erase(found);
  return value;
}

}  // namespace

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

std::string_view session_end_name(SessionEnd reason) {
  switch (reason) {
    case SessionEnd::kLogout:
      return "logout";
    case SessionEnd::kIdleTimeout:
      return "idle_timeout";
    case SessionEnd::kAbsoluteTimeout:
      return "absolute_timeout";
    case SessionEnd::kEvicted:
      return "evicted";
  }
  return "logout";
}

std::chrono::system_clock::time_point SessionStore::session_end(const SsoSession& session) const {
  return std::min(session.last_used + settings_.idle_timeout,
                  session.created + settings_.absolute_timeout);
}

SessionEnd SessionStore::expiry_reason(const SsoSession& session,
                                       std::chrono::system_clock::time_point now) const {
  return session.created + settings_.absolute_timeout <= now ? SessionEnd::kAbsoluteTimeout
                                                             : SessionEnd::kIdleTimeout;
}

void SessionStore::insert_session(SsoSession session) {
  TimePoint end = session_end(session);
  std::string id = session.id;
  insert_indexed(sessions_, session_ends_, std::move(id), end, std::move(session));
}

SsoSession SessionStore::remove_session(SessionMap::iterator found) {
  return remove_indexed(sessions_, session_ends_, found, session_end(found->second));
}

void SessionStore::insert_pending(PendingChoice choice) {
  TimePoint end = choice.expires;
  std::string token = choice.csrf_token;
  insert_indexed(pending_, pending_ends_, std::move(token), end, std::move(choice));
}

PendingChoice SessionStore::remove_pending(PendingMap::iterator found) {
  return remove_indexed(pending_, pending_ends_, found, found->second.expires);
}

void SessionStore::insert_logout(LogoutProgress progress) {
  TimePoint end = progress.expires;
  std::string id = progress.id;
  insert_indexed(logouts_, logout_ends_, std::move(id), end, std::move(progress));
}

LogoutProgress SessionStore::remove_logout(LogoutMap::iterator found) {
  return remove_indexed(logouts_, logout_ends_, found, found->second.expires);
}

void SessionStore::drop_expired(std::chrono::system_clock::time_point now, Ended& ended) {
  while (!session_ends_.empty() && session_ends_.begin()->first <= now) {
    auto found = sessions_.find(session_ends_.begin()->second);
    SessionEnd reason = expiry_reason(found->second, now);
    ended.sessions.emplace_back(remove_session(found), reason);
  }

  while (!pending_ends_.empty() && pending_ends_.begin()->first <= now) {
    remove_pending(pending_.find(pending_ends_.begin()->second));
  }

  drop_expired_logouts(now, ended);
}

void SessionStore::drop_expired_logouts(std::chrono::system_clock::time_point now, Ended& ended) {
  while (!logout_ends_.empty() && logout_ends_.begin()->first <= now) {
    ended.logouts.push_back(remove_logout(logouts_.find(logout_ends_.begin()->second)));
  }
}

void SessionStore::notify(Ended ended) const {
  if (listeners_.session_ended) {
    for (const auto& [session, reason] : ended.sessions) {
      listeners_.session_ended(session, reason);
    }
  }
  if (listeners_.logout_expired) {
    for (const LogoutProgress& progress : ended.logouts) {
      listeners_.logout_expired(progress);
    }
  }
}

void SessionStore::sweep_expired() {
  Ended ended;
  {
    std::lock_guard lock(mutex_);
    drop_expired(clock_(), ended);
  }
  notify(std::move(ended));
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
                     std::move(role_profile_id), now, now, {}, {}, {}};
  Ended ended;
  {
    std::lock_guard lock(mutex_);
    drop_expired(now, ended);
    if (sessions_.size() >= std::max<std::size_t>(settings_.max_sessions, 1)) {
      auto soonest = sessions_.find(session_ends_.begin()->second);
      ended.sessions.emplace_back(remove_session(soonest), SessionEnd::kEvicted);
    }
    insert_session(session);
  }
  notify(std::move(ended));
  return session;
}

std::optional<SsoSession> SessionStore::use(std::string_view id,
                                            std::string_view card_fingerprint) {
  auto now = clock_();
  std::unique_lock lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) {
    return std::nullopt;
  }
  if (session_end(found->second) <= now) {
    Ended ended;
    SessionEnd reason = expiry_reason(found->second, now);
    ended.sessions.emplace_back(remove_session(found), reason);
    lock.unlock();
    notify(std::move(ended));
    return std::nullopt;
  }
  // A different card must not learn or extend another card holder's session.
  bool same_card = pki::constant_time_equal(pki::as_bytes(found->second.card_fingerprint),
                                            pki::as_bytes(card_fingerprint));
  if (!same_card || card_fingerprint.empty()) {
    return std::nullopt;
  }
  // The idle timeout restarts, so the session's key moves in session_ends_.
  session_ends_.erase({session_end(found->second), found->first});
  found->second.last_used = now;
  session_ends_.emplace(session_end(found->second), found->first);
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

void SessionStore::record_oidc_client(std::string_view id, std::string_view client_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end() || session_end(found->second) <= clock_()) {
    return;
  }
  auto& clients = found->second.oidc_clients;
  if (std::find(clients.begin(), clients.end(), client_id) == clients.end()) {
    clients.emplace_back(client_id);
  }
}

std::optional<SsoSession> SessionStore::find(std::string_view id) const {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end() || session_end(found->second) <= now) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<SsoSession> SessionStore::end(std::string_view id) {
  return end_logged_out([&]() { return sessions_.find(id); });
}

std::optional<SsoSession> SessionStore::end_by_session_index(std::string_view session_index) {
  if (session_index.empty()) {
    return std::nullopt;
  }
  return end_logged_out([&]() {
    return std::find_if(sessions_.begin(), sessions_.end(), [&](const auto& entry) {
      return entry.second.session_index == session_index;
    });
  });
}

std::optional<SsoSession> SessionStore::end_logged_out(const SessionFinder& find_session) {
  std::optional<SsoSession> session;
  {
    std::lock_guard lock(mutex_);
    auto found = find_session();
    if (found == sessions_.end()) {
      return std::nullopt;
    }
    session = remove_session(found);
  }
  if (listeners_.session_ended) {
    listeners_.session_ended(*session, SessionEnd::kLogout);
  }
  return session;
}

std::optional<SsoSession> SessionStore::end_for_logout(std::string_view session_index,
                                                       std::string_view id,
                                                       std::string_view sp_entity_id,
                                                       std::string_view name_id) {
  std::unique_lock lock(mutex_);
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
  SsoSession session = remove_session(found);
  lock.unlock();
  if (listeners_.session_ended) {
    listeners_.session_ended(session, SessionEnd::kLogout);
  }
  return session;
}

namespace {

PendingChoice new_pending_choice(std::string card_fingerprint, std::string uid, std::optional<Person> person) {
  PendingChoice choice;
  choice.card_fingerprint = std::move(card_fingerprint);
  choice.uid = std::move(uid);
  choice.person = std::move(person);
  return choice;
}

}  // namespace

Result<std::string> SessionStore::add_pending(std::string card_fingerprint, std::string uid,
                                              saml::AuthnRequest request,
                                              std::optional<Person> person) {
  PendingChoice choice = new_pending_choice(std::move(card_fingerprint), std::move(uid), std::move(person));
  choice.request = std::move(request);
  return store_pending(std::move(choice));
}

Result<std::string> SessionStore::add_pending_authorization(std::string card_fingerprint,
                                                            std::string uid,
                                                            std::string authorization_query,
                                                            std::optional<Person> person) {
  if (authorization_query.empty()) {
    return Status::invalid_argument("the pending authorization request has no query string");
  }
  PendingChoice choice = new_pending_choice(std::move(card_fingerprint), std::move(uid), std::move(person));
  choice.authorization_query = std::move(authorization_query);
  return store_pending(std::move(choice));
}

Result<std::string> SessionStore::store_pending(PendingChoice choice) {
  Result<std::string> token = random_token();
  if (!token.ok()) {
    return Status::internal("cannot create a CSRF token: the random generator failed");
  }

  auto now = clock_();
  choice.csrf_token = *token;
  choice.expires = now + settings_.choice_timeout;
  Ended ended;
  {
    std::lock_guard lock(mutex_);
    drop_expired(now, ended);
    if (pending_.size() >= std::max<std::size_t>(settings_.max_pending_choices, 1)) {
      remove_pending(pending_.find(pending_ends_.begin()->second));
    }
    insert_pending(std::move(choice));
  }
  notify(std::move(ended));
  return token;
}

std::optional<PendingChoice> SessionStore::take_pending(std::string_view csrf_token,
                                                        std::string_view card_fingerprint) {
  return take_pending_choice(csrf_token, card_fingerprint, false);
}

std::optional<PendingChoice> SessionStore::take_pending_authorization(
    std::string_view csrf_token, std::string_view card_fingerprint) {
  return take_pending_choice(csrf_token, card_fingerprint, true);
}

std::optional<PendingChoice> SessionStore::take_pending_choice(std::string_view csrf_token,
                                                               std::string_view card_fingerprint,
                                                               bool authorization) {
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
  // A SAML choice completes only at /saml/role and an OpenID one only at /oidc/role.
  if (found->second.authorization_query.empty() == authorization) {
    return std::nullopt;
  }
  return remove_pending(found);
}

void SessionStore::put_logout(LogoutProgress progress) {
  auto now = clock_();
  Ended ended;
  {
    std::lock_guard lock(mutex_);
    drop_expired_logouts(now, ended);
    if (auto replaced = logouts_.find(progress.id); replaced != logouts_.end()) {
      remove_logout(replaced);
    }
    if (logouts_.size() >= std::max<std::size_t>(settings_.max_logouts, 1)) {
      ended.logouts.push_back(remove_logout(logouts_.find(logout_ends_.begin()->second)));
    }
    insert_logout(std::move(progress));
  }
  notify(std::move(ended));
}

std::optional<LogoutProgress> SessionStore::take_logout(std::string_view id) {
  auto now = clock_();
  std::unique_lock lock(mutex_);
  auto found = logouts_.find(id);
  if (found == logouts_.end() || id.empty()) {
    return std::nullopt;
  }
  LogoutProgress progress = remove_logout(found);
  lock.unlock();
  if (progress.expires <= now) {
    Ended ended;
    ended.logouts.push_back(std::move(progress));
    notify(std::move(ended));
    return std::nullopt;
  }
  return progress;
}

std::size_t SessionStore::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace careid::federation::sso
