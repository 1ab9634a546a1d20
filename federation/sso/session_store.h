// SessionStore: careid's server-side SSO sessions and the logins waiting for a role choice.
//
// A session starts when a card holder completes a login (after the role choice, if any).
// Later AuthnRequests on any TLS connection that presents the same card certificate reuse
// its role without a new choice. The browser holds only a random 256-bit session ID in a
// cookie. A session is bound to the SHA-256 fingerprint of the card certificate, so a
// stolen cookie is useless without the card: the card is still required on every TLS
// connection, and a session is found only when the fingerprints match.
//
// Timeouts: a session ends `idle_timeout` after its last use or `absolute_timeout` after
// it started, whichever comes first. A pending role choice ends after `choice_timeout`.
// The maps of sessions, pending choices and logouts in progress are bounded; when one is
// full, its entry closest to its end is dropped. Expired entries of every map are dropped
// when a session or a pending choice is added, expired logouts also when a logout is added,
// and all of them by sweep_expired(). Each map has an index ordered by end time, so dropping
// an expired entry or the one closest to its end costs O(log n), not a scan of the map.
//
// Listeners hear of every session that ends and of every logout in progress
// that expires, with the reason. They run on the thread that found the end, after the
// store's mutex is released, so they may call the store again.
//
// Thread-safe: every method takes an internal mutex. Entries are returned by value.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "federation/saml/identity_provider.h"
#include "federation/sso/card_login.h"

namespace careid::federation::sso {

struct SessionSettings {
  std::chrono::seconds idle_timeout{15 * 60};
  std::chrono::seconds absolute_timeout{8 * 60 * 60};
  std::chrono::seconds choice_timeout{5 * 60};
  std::size_t max_sessions = 100'000;
  std::size_t max_pending_choices = 10'000;
  // How long a logout in progress waits for one SP's LogoutResponse before it is dropped,
  // and the bound on logouts in progress.
  std::chrono::seconds logout_step_timeout{2 * 60};
  std::size_t max_logouts = 10'000;
  // The rule that maps a card certificate to its holder, for every login of the store's owner.
  CardMapping card_mapping{};
};

// The NameID careid put in an assertion to one SP, which that SP's LogoutRequest must name.
struct IssuedNameId {
  std::string value;
  std::string format;
};

struct SsoSession {
  std::string id;             // the cookie value; a secret, never logged
  std::string session_index;  // SessionIndex in assertions and LogoutRequests; not secret
  // The card certificate's SHA-256 fingerprint, or kPasswordSessionBinding for a password +
  // TOTP login, which also records the method (authentication_method() in password_login.h).
  std::string card_fingerprint;
  std::string uid;
  std::string role_profile_id;  // the chosen role; empty for a person without roles
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point last_used;
  // Entity IDs of the SPs that received an assertion in this session, in first-use order,
  // for Single Logout.
  std::vector<std::string> service_providers;
  std::map<std::string, IssuedNameId, std::less<>> name_ids;  // by SP entity ID
  // client_ids of the OpenID clients that redeemed a code of this session, in first-use
  // order, for OpenID Connect Back-Channel Logout.
  std::vector<std::string> oidc_clients;
};

// The reason a session ended.
enum class SessionEnd {
  kLogout,           // a logout ended it: /logout, a LogoutRequest, an OpenID logout, ForceAuthn
  kIdleTimeout,      // idle_timeout passed without a login
  kAbsoluteTimeout,  // absolute_timeout passed since it started
  kEvicted,          // dropped to make room under max_sessions
};

std::string_view session_end_name(SessionEnd reason);

// A Single Logout in progress (SAML Profiles 4.4.3.3): careid sends a LogoutRequest to each
// SP in `remaining`, one after another through the browser, and collects their results.
struct LogoutProgress {
  // A random token: the RelayState of careid's LogoutRequests, and the session cookie's
  // value while the logout runs, so that a return to /logout skips an SP that sends no
  // LogoutResponse.
  std::string id;
  std::string uid;
  std::size_t sessions = 0;  // SSO sessions that the logout ended
  // The LogoutRequest that started the logout; nullopt for careid's own /logout page.
  std::optional<saml::LogoutRequest> initiator;
  std::vector<saml::LogoutTarget> remaining;
  std::string current_sp;          // the SP whose LogoutResponse careid waits for
  std::string current_request_id;  // the ID of the LogoutRequest sent to it
  // SP entity ID and outcome: success, failure (a non-Success status), no_response or error.
  std::vector<std::pair<std::string, std::string>> results;
  std::chrono::system_clock::time_point expires;
  // The URL the browser goes to once the logout is finished: an OpenID client's
  // post_logout_redirect_uri with its state. Empty for the signed-out page alone.
  std::string post_logout_redirect;
  std::string client;  // the peer that started the logout, for the audit event
};

// A decoded AuthnRequest, or an OpenID authorization request, waiting for the card holder
// to choose a role.
struct PendingChoice {
  std::string csrf_token;  // the form's synchronizer token; also the key of this entry
  std::string card_fingerprint;
  std::string uid;
  // The card holder as the directory returned them when the role page was shown, so that
  // the choice re-reads only the chosen role (IdentitySource::find_person_role).
  std::optional<Person> person;
  saml::AuthnRequest request;
  // The raw query string of a GET /oidc/authorize; empty for a SAML login.
  std::string authorization_query;
  std::chrono::system_clock::time_point expires;
};

class SessionStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  struct Listeners {
    std::function<void(const SsoSession&, SessionEnd)> session_ended;
    // A logout in progress that timed out waiting for the browser, or was dropped to make
    // room under max_logouts.
    std::function<void(const LogoutProgress&)> logout_expired;
  };

  explicit SessionStore(SessionSettings settings = {},
                        Clock clock = std::chrono::system_clock::now);

  // Starts a session and returns it with fresh random `id` and `session_index`.
  // kInternal when the random generator fails.
  Result<SsoSession> start(std::string card_fingerprint, std::string uid,
                           std::string role_profile_id);

  // Returns the live session `id` whose card fingerprint equals `card_fingerprint`, and
  // marks it used now. nullopt when there is none, it has timed out (it is then removed),
  // or it belongs to another card.
  std::optional<SsoSession> use(std::string_view id, std::string_view card_fingerprint);

  // Adds `sp_entity_id` to the session's list unless it is there already, and stores the
  // NameID it received. No-op for an unknown session.
  void record_service_provider(std::string_view id, std::string_view sp_entity_id,
                               IssuedNameId name_id = {});

  // Adds OpenID client `client_id` to the session's oidc_clients unless it is there already.
  // No-op for an unknown or expired session.
  void record_oidc_client(std::string_view id, std::string_view client_id);

  // Returns the live session `id` without marking it used, or nullopt.
  std::optional<SsoSession> find(std::string_view id) const;

  // Ends the session `id` and returns it, or nullopt when there is none.
  std::optional<SsoSession> end(std::string_view id);

  // Ends the session whose SessionIndex is `session_index` and returns it, or nullopt.
  // NOTE: scans every session, which is linear in session_count().
  std::optional<SsoSession> end_by_session_index(std::string_view session_index);

  // Set the listeners. Call them before the store is shared between threads.
  void set_session_ended_listener(std::function<void(const SsoSession&, SessionEnd)> listener) {
    listeners_.session_ended = std::move(listener);
  }
  void set_logout_expired_listener(std::function<void(const LogoutProgress&)> listener) {
    listeners_.logout_expired = std::move(listener);
  }

  // Ends every session, pending choice and logout in progress that has expired, and calls
  // the listeners. Its cost grows with the number of expired entries, not with all entries.
  void sweep_expired();

  // Ends the session named by a LogoutRequest from `sp_entity_id` and returns it: the session
  // whose SessionIndex is `session_index`, or, when that is empty, the session `id` (the
  // browser's cookie). nullopt when there is none or `sp_entity_id` received no assertion in
  // it, so that an SP can end only sessions it took part in. Also nullopt when `name_id`
  // differs from the NameID that careid gave that SP in the session (SAML Core 3.7.3.1).
  // NOTE: a lookup by SessionIndex scans every session, which is linear in session_count().
  std::optional<SsoSession> end_for_logout(std::string_view session_index, std::string_view id,
                                           std::string_view sp_entity_id,
                                           std::string_view name_id);

  // Stores `progress` under progress.id, replacing an entry with the same id. When the map
  // is full, the entry closest to its end is dropped.
  void put_logout(LogoutProgress progress);

  // Removes and returns the logout `id`, or nullopt when there is none or it has expired.
  // An expired logout goes to Listeners::logout_expired.
  std::optional<LogoutProgress> take_logout(std::string_view id);

  // Stores `request` for a role choice and returns the new CSRF token. kInternal when the
  // random generator fails. `person` is kept with it when given.
  Result<std::string> add_pending(std::string card_fingerprint, std::string uid,
                                  saml::AuthnRequest request,
                                  std::optional<Person> person = std::nullopt);

  // Removes and returns the pending choice `csrf_token` if it has not expired, was made
  // with the same card and contains a SAML request. A token is usable once.
  std::optional<PendingChoice> take_pending(std::string_view csrf_token,
                                            std::string_view card_fingerprint);

  // As add_pending, for an OpenID authorization request given by its raw query string,
  // which must not be empty.
  Result<std::string> add_pending_authorization(std::string card_fingerprint, std::string uid,
                                                std::string authorization_query,
                                                std::optional<Person> person = std::nullopt);

  // As take_pending, for a choice stored by add_pending_authorization. A SAML choice's
  // token is rejected here, and an OpenID choice's token by take_pending.
  std::optional<PendingChoice> take_pending_authorization(std::string_view csrf_token,
                                                          std::string_view card_fingerprint);

  std::size_t session_count() const;

  const SessionSettings& settings() const { return settings_; }

 private:
  // Sessions and logouts that left the store under the mutex, for the listeners.
  struct Ended {
    std::vector<std::pair<SsoSession, SessionEnd>> sessions;
    std::vector<LogoutProgress> logouts;
  };

  void drop_expired(std::chrono::system_clock::time_point now, Ended& ended);
  // Gives `choice` a new CSRF token and stores it; returns the token.
  Result<std::string> store_pending(PendingChoice choice);
  std::optional<PendingChoice> take_pending_choice(std::string_view csrf_token,
                                                   std::string_view card_fingerprint,
                                                   bool authorization);
  void drop_expired_logouts(std::chrono::system_clock::time_point now, Ended& ended);
  SessionEnd expiry_reason(const SsoSession& session,
                           std::chrono::system_clock::time_point now) const;
  std::chrono::system_clock::time_point session_end(const SsoSession& session) const;
  // Calls the listeners; call it without holding mutex_.
  void notify(Ended ended) const;

  using SessionMap = std::map<std::string, SsoSession, std::less<>>;
  using PendingMap = std::map<std::string, PendingChoice, std::less<>>;
  using LogoutMap = std::map<std::string, LogoutProgress, std::less<>>;
  // Keys of one map ordered by the time each entry ends, so that begin() is the entry that
  // ends first. Every insertion, removal and change of an end time updates it.
  using EndIndex = std::set<std::pair<std::chrono::system_clock::time_point, std::string>>;

  // Insert into or remove from a map and its EndIndex together; call them holding mutex_.
  void insert_session(SsoSession session);
  SsoSession remove_session(SessionMap::iterator found);
  void insert_pending(PendingChoice choice);
  PendingChoice remove_pending(PendingMap::iterator found);
  void insert_logout(LogoutProgress progress);
  LogoutProgress remove_logout(LogoutMap::iterator found);

  // Removes the session that `find_session` returns under mutex_ (sessions_.end() for none)
  // and passes it to the session_ended listener with SessionEnd::kLogout.
  using SessionFinder = std::function<SessionMap::iterator()>;
  std::optional<SsoSession> end_logged_out(const SessionFinder& find_session);

  const SessionSettings settings_;
  Clock clock_;
  Listeners listeners_;
  mutable std::mutex mutex_;
  SessionMap sessions_;
  PendingMap pending_;
  LogoutMap logouts_;
  EndIndex session_ends_;
  EndIndex pending_ends_;
  EndIndex logout_ends_;
};

// Returns a random 256-bit value as unpadded base64url (43 characters), the form of
// session IDs and CSRF tokens. kInternal when the random generator fails.
Result<std::string> random_token();

}  // namespace careid::federation::sso
