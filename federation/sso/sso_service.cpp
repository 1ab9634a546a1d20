#include "federation/sso/sso_service.h"

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "federation/saml/post_binding.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/saml_names.h"
#include "federation/sso/name_id_policy.h"
#include "federation/sso/role_page.h"
#include "federation/sso/subject.h"
#include "federation/sso/totp.h"

namespace careid::federation::sso {

// RFC 6265 4.1.1. No Max-Age: the browser drops the cookie when it closes, and the server
// ends the session after its idle or absolute timeout whatever the browser keeps.
std::string session_cookie(std::string_view id) {
  return std::string(kSessionCookie) + "=" + std::string(id) +
         "; Path=/; Secure; HttpOnly; SameSite=Lax";
}

SsoService::SsoService(IdentitySource& source, const saml::IdentityProvider& idp,
                       PersistentIdGenerator ids, Clock clock, SessionSettings sessions,
                       audit::Sink& audit)
    : source_(source),
      idp_(idp),
      ids_(std::move(ids)),
      clock_(clock),
      audit_(audit),
      sessions_(std::make_unique<SessionStore>(sessions, std::move(clock))) {
  sessions_->set_logout_expired_listener(
      [this](const LogoutProgress& progress) { record_expired_logout(progress); });
}

namespace {

constexpr const char* kServerErrorText = "The login failed because of a server error. Try again later.";

// Returns ` key="value"` for a log line, or nothing when `value` is empty (a login without
// a card has no subject).
std::string quoted_field(std::string_view key, std::string_view value) {
  if (value.empty()) {
    return "";
  }
  return " " + std::string(key) + "=\"" + std::string(value) + "\"";
}

SsoReply reply_for_failure(const LoginFailure& failure, std::string_view client,
                           const PeerCertificate& card) {
  auto logger = log::get("federation");
  std::string_view outcome = login_outcome_name(failure.outcome);
  // The uid (or the SAN value or fingerprint that the mapping searched for) is known only
  // once the certificate passed the mapping's name check.
  std::string_view uid = failure.mapped_by.empty() ? std::string_view("-") : failure.mapped_by;

  // The card subject is attacker-chosen but arrives RFC 2253-escaped, control characters
  // included, so it cannot forge log lines.
  if (failure.outcome == LoginOutcome::kStoreError) {
    logger->error("login outcome={} uid={} sp=- {} error=\"{}\"", outcome, uid, client,
                  failure.log_detail);
    return {SsoReply::Kind::kUnavailable, failure.reason, "", ""};
  }
  // Rate-limited per outcome, because a client can trigger one per request.
  static log::RateLimitedLog refusal_log(logger);
  refusal_log.warn(outcome, "login outcome={} uid={} sp=- {}{}{}", outcome, uid, client,
                   quoted_field("subject", card.subject), quoted_field("detail", failure.log_detail));
  return {SsoReply::Kind::kDenied, failure.reason, "", ""};
}

std::string cleared_cookie() {
  return std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0";
}

const RoleProfile* find_role(const Person& person, std::string_view id) {
  for (const RoleProfile& role : person.roles) {
    if (!id.empty() && role.id == id) {
      return &role;
    }
  }
  return nullptr;
}

// Ends the sessions that `request` names by SessionIndex, or else the session of the cookie
// `session_id`, where its SP received an assertion with the request's NameID.
std::vector<SsoSession> end_named_sessions(SessionStore& sessions,
                                           const saml::LogoutRequest& request,
                                           std::string_view session_id) {
  std::vector<std::string> indexes = request.session_indexes;
  if (indexes.empty()) {
    indexes.emplace_back();  // no SessionIndex: the session of the browser's cookie
  }
  std::vector<SsoSession> ended;
  for (const std::string& index : indexes) {
    std::optional<SsoSession> session = sessions.end_for_logout(index, session_id, request.issuer,
                                                                     request.name_id);
    if (session.has_value()) {
      ended.push_back(std::move(*session));
    }
  }
  return ended;
}

// The SPs other than `initiator` that received an assertion in one of `ended` and have a
// SingleLogoutService, each with the NameID and SessionIndex it received.
std::vector<saml::LogoutTarget> logout_targets(const std::vector<SsoSession>& ended,
                                               std::string_view initiator,
                                               const saml::IdentityProvider& idp) {
  std::vector<saml::LogoutTarget> targets;
  for (const SsoSession& session : ended) {
    for (const std::string& sp : session.service_providers) {
      if (sp == initiator || !idp.supports_single_logout(sp)) {
        continue;
      }
      saml::LogoutTarget target;
      target.sp_entity_id = sp;
      target.session_index = session.session_index;
      auto name_id = session.name_ids.find(sp);
      if (name_id != session.name_ids.end()) {
        target.name_id = name_id->second.value;
        target.name_id_format = name_id->second.format;
      }
      targets.push_back(std::move(target));
    }
  }
  return targets;
}

// True when every SP that careid sent a LogoutRequest to returned Success.
bool logged_out_everywhere(const LogoutProgress& progress) {
  return std::all_of(progress.results.begin(), progress.results.end(),
                     [](const auto& result) { return result.second == "success"; });
}

void record_logout(audit::Sink& audit, const LogoutProgress& progress, std::string_view client) {
  audit::Event event;
  event.type = "sso.logout";
  event.actor = progress.uid;
  event.subject = event.actor;
  event.client = audit::peer_address(client);
  bool partial = !logged_out_everywhere(progress);
  event.outcome = partial ? audit::kFailure : audit::kSuccess;
  nlohmann::json service_providers = nlohmann::json::object();
  for (const auto& [sp, result] : progress.results) {
    service_providers[sp] = result;
  }
  event.details = {{"sp", progress.initiator.has_value() ? progress.initiator->issuer : ""},
                   {"sessions", progress.sessions},
                   {"partial", partial},
                   {"service_providers", std::move(service_providers)}};
  audit.record(std::move(event));
}

// True when the /saml/slo message carries a SAMLResponse, which is a LogoutResponse to a
// LogoutRequest that careid sent.
bool is_logout_response(std::string_view message) {
  bool found = false;
  Status visited = saml::for_each_form_parameter(
      message, [&](std::string_view name, std::string_view) {
        found = found || name == "SAMLResponse";
        return Status::ok_status();
      });
  return visited.ok() && found;
}

saml::RequestError error_for_sp(const saml::AuthnRequest& request, std::string message,
                                std::string_view status, std::string_view sub_status) {
  return saml::RequestError{std::move(message), std::string(status), request.acs_url,
                            std::string(sub_status), request.issuer, request.id,
                            request.relay_state, request.acs_binding};
}

}  // namespace

std::string build_signed_out_page(bool partial, std::string_view continue_url) {
  std::string text = partial ? "You are signed out of careid, but some services did not "
                               "confirm the sign-out. Close the browser to end their sessions."
                             : "You are signed out of careid and of the services you used.";
  std::string target = continue_url.empty() ? "/" : std::string(continue_url);
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>Signed out</title></head>\n<body>\n<h1>Signed out</h1>\n<p>" +
         text + "</p>\n<p><a href=\"" + saml::html_escape(target) +
         "\">Continue</a></p>\n</body></html>\n";
}

std::string find_cookie(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    std::size_t end = cookie_header.find(';');
    std::string_view pair = cookie_header.substr(0, end);
    cookie_header = end == std::string_view::npos ? std::string_view() : cookie_header.substr(end + 1);
    std::size_t start = pair.find_first_not_of(' ');
    if (start == std::string_view::npos) {
      continue;
    }
    pair = pair.substr(start);
    std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      std::string_view value = pair.substr(equals + 1);
      return std::string(value.substr(0, value.find_last_not_of(' ') + 1));
    }
  }
  return {};
}

// Records the refused card login, then builds the reply.
SsoReply SsoService::refuse_card(const LoginFailure& failure, const PeerCertificate& card,
                                 std::string_view client) const {
  audit::Event event;
  event.type = "sso.login";
  event.outcome = audit::kFailure;
  event.client = audit::peer_address(client);
  event.subject = failure.mapped_by;
  event.details = {{"reason", login_outcome_name(failure.outcome)}, {"certificate_subject", card.subject}};
  audit_.record(std::move(event));
  return reply_for_failure(failure, client, card);
}

// Records the Response issued: to which SP, the NameID and every attribute released.
void SsoService::record_assertion(const Person& person, const saml::AuthnRequest& request,
                                  const saml::Subject& subject, bool new_session, std::string_view client) const {
  if (new_session) {
    audit::Event login;
    login.type = "sso.login";
    login.actor = person.uid;
    login.subject = person.uid;
    login.client = audit::peer_address(client);
    bool password = subject.authn_context_class == saml::kClassPasswordProtectedTransport;
    login.details = {{"method", password ? "password_totp" : "smartcard"}, {"sp", request.issuer}};
    audit_.record(std::move(login));
  }

  audit::Event event;
  event.type = "saml.assertion";
  event.actor = person.uid;
  event.subject = person.uid;
  event.client = audit::peer_address(client);
  event.details = {{"sp", request.issuer},
                   {"name_id", subject.name_id},
                   {"name_id_format", subject.name_id_format},
                   {"session_index", subject.session_index},
                   {"attributes", subject.attributes}};
  audit_.record(std::move(event));
}

// SAML Core 3.2.2.2: when the SP and one of its ACS URLs are known, the error goes back to
// the SP as a Response with a non-success StatusCode. Otherwise the user gets a 400 page.
SsoReply SsoService::reply_for_bad_request(const saml::RequestError& error, std::string_view uid,
                                           std::string_view client) const {
  auto logger = log::get("federation");
  std::string_view sp = error.sp_entity_id;
  if (sp.empty()) {
    sp = "-";
  }
  logger->warn("login outcome=bad_request uid={} sp={} {} status={} error=\"{}\"", uid, sp,
               client, error.sub_status_code.empty() ? error.status_code : error.sub_status_code,
               error.message);
  audit::Event event;
  event.type = "sso.login";
  event.actor = std::string(uid);
  event.subject = std::string(uid);
  event.outcome = audit::kFailure;
  event.client = audit::peer_address(client);
  event.details = {{"reason", "bad_request"},
                   {"sp", error.sp_entity_id},
                   {"status", error.sub_status_code.empty() ? error.status_code : error.sub_status_code},
                   {"error", error.message}};
  audit_.record(std::move(event));
  if (error.acs_url.empty()) {
    return {SsoReply::Kind::kBadRequest, error.message, "", ""};
  }

  Result<std::string> page = idp_.build_error_page(error);
  if (!page.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} {} error=\"{}\"", uid, sp,
                  client, page.status().to_string());
    return {SsoReply::Kind::kBadRequest, error.message, "", ""};
  }
  return {SsoReply::Kind::kPostForm, std::move(*page), error.acs_url, ""};
}

SsoReply SsoService::handle_redirect(const PeerCertificate& card, std::string_view query,
                                     std::string_view client) const {
  return handle_sso(card, query, "", client);
}

SsoReply SsoService::handle_sso(const PeerCertificate& card, std::string_view query,
                                std::string_view session_id, std::string_view client) const {
  return sign_on(card, [&] { return idp_.decode_redirect_request(query); }, session_id, client);
}

SsoReply SsoService::handle_sso_post(const PeerCertificate& card, std::string_view form_body,
                                     std::string_view session_id, std::string_view client) const {
  return sign_on(card, [&] { return idp_.decode_post_request(form_body); }, session_id, client);
}

// The card and its holder are checked before `decode_request` runs, so that a client
// without a valid card never gets its request decoded.
SsoReply SsoService::sign_on(const PeerCertificate& card, const RequestDecoder& decode_request,
                             std::string_view session_id, std::string_view client) const {
  if (!card.present && password_login_ != nullptr) {
    return offer_password_login(decode_request, session_id, client);
  }
  Result<Person, LoginFailure> person = identify_card_holder(card, source_, sessions_->settings().card_mapping);
  if (!person.ok()) {
    return refuse_card(person.error(), card, client);
  }

  Result<saml::AuthnRequest, saml::RequestError> request = decode_request();
  if (!request.ok()) {
    return reply_for_bad_request(request.error(), person->uid, client);
  }
  return choose_role(card, *person, *request, session_id, client);
}

// Chooses the role: the session's, the only one, or the person's choice on the role page.
SsoReply SsoService::choose_role(const PeerCertificate& card, const Person& person,
                                 const saml::AuthnRequest& request, std::string_view session_id,
                                 std::string_view client) const {
  // ForceAuthn (SAML Core 3.4.1) requests a fresh login, so the session ends and is not
  // reused. The card itself was verified in this connection's TLS handshake.
  std::optional<SsoSession> session;
  if (!session_id.empty()) {
    session = sessions_->use(session_id, card.sha256_fingerprint);
  }
  if (session.has_value() && request.force_authn) {
    sessions_->end(session->id);
    session.reset();
  }
  if (session.has_value() && session->uid == person.uid) {
    const RoleProfile* role = find_role(person, session->role_profile_id);
    if (role != nullptr || (person.roles.empty() && session->role_profile_id.empty())) {
      return complete_login(person, role, request, *session, false, client);
    }
    // The role was removed from the directory since the choice: the session cannot go on.
    sessions_->end(session->id);
  }

  if (person.roles.size() <= 1) {
    const RoleProfile* role = person.roles.empty() ? nullptr : &person.roles.front();
    Result<SsoSession> started =
        sessions_->start(card.sha256_fingerprint, person.uid, role == nullptr ? "" : role->id);
    if (!started.ok()) {
      log::get("federation")->error("login outcome=internal_error uid={} sp={} {} error=\"{}\"",
                                    person.uid, request.issuer, client, started.status().to_string());
      return {SsoReply::Kind::kInternalError, kServerErrorText, "", ""};
    }
    return complete_login(person, role, request, *started, true, client);
  }

  // SAML Core 3.4.1: a passive request must not show the role page.
  if (request.is_passive) {
    return reply_for_bad_request(
        error_for_sp(request, "the card holder must choose a role, which IsPassive forbids",
                     saml::kStatusResponder, saml::kStatusNoPassive),
        person.uid, client);
  }
  Result<std::string> token = sessions_->add_pending(card.sha256_fingerprint, person.uid, request, person);
  if (!token.ok()) {
    return {SsoReply::Kind::kInternalError, kServerErrorText, "", ""};
  }
  log::get("federation")->info("login outcome=role_choice uid={} sp={} roles={} {}",
                               person.uid, request.issuer, person.roles.size(), client);
  return {SsoReply::Kind::kRolePage, build_role_page(person.cn, person.roles, *token), "", ""};
}

SsoReply SsoService::handle_role_choice(const PeerCertificate& card, std::string_view form_body,
                                        std::string_view client) const {
  auto logger = log::get("federation");
  RoleChoiceForm form = parse_role_form(form_body);
  bool password_path = !card.present && password_login_ != nullptr;

  // With the subject_cn mapping the certificate alone names the person, and the pending
  // choice is bound to this certificate, so only the chosen role is read again below. The
  // other mappings search again, because the mapped attribute may have changed.
  std::optional<Person> person;
  std::string uid = "-";
  if (!password_path && sessions_->settings().card_mapping.mode == CardMappingMode::kSubjectCn) {
    Result<std::string, LoginFailure> key = check_card_certificate(card, sessions_->settings().card_mapping);
    if (!key.ok()) {
      return refuse_card(key.error(), card, client);
    }
    uid = std::move(*key);
  } else if (!password_path) {
    Result<Person, LoginFailure> holder = identify_card_holder(card, source_, sessions_->settings().card_mapping);
    if (!holder.ok()) {
      return refuse_card(holder.error(), card, client);
    }
    person = std::move(*holder);
    uid = person->uid;
  }
  if (form.csrf_token.empty() || form.role_profile_id.empty()) {
    logger->warn("login outcome=bad_request uid={} sp=- {} error=\"role form incomplete\"",
                 uid, client);
    return {SsoReply::Kind::kBadRequest, "Choose one role and submit the form again.", "", ""};
  }

  std::string_view binding = password_path ? kPasswordSessionBinding : std::string_view(card.sha256_fingerprint);
  std::optional<PendingChoice> pending = sessions_->take_pending(form.csrf_token, binding);
  if (pending.has_value() && !person.has_value()) {
    Result<std::optional<Person>, SsoReply> found =
        reread_pending_person(*pending, form.role_profile_id, card, client);
    if (!found.ok()) {
      return std::move(found).error();
    }
    person = std::move(*found);
  }
  bool same_person = pending.has_value() && person.has_value() && pending->uid == person->uid &&
                     (password_path || person->uid == uid);
  if (!same_person) {
    logger->warn("login outcome=role_choice_rejected uid={} sp=- {}", uid, client);
    return {SsoReply::Kind::kDenied,
            "This role form has expired, was already used or belongs to another card. Start "
            "again at the service you were signing in to.",
            "", ""};
  }
  return finish_role_choice(binding, *person, form, *pending, client);
}

// A card login's pending choice contains the person as the role page showed them, so only
// the chosen role is read again. A password login's person is read whole.
Result<std::optional<Person>, SsoReply> SsoService::reread_pending_person(
    const PendingChoice& pending, std::string_view role_id, const PeerCertificate& card,
    std::string_view client) const {
  Result<std::optional<Person>> found = pending.person.has_value()
                                            ? source_.find_person_role(*pending.person, role_id)
                                            : source_.find_person(pending.uid);
  if (!found.ok()) {
    log::get("federation")
        ->error("login outcome=store_error uid={} sp=- {} error=\"{}\"", pending.uid, client,
                found.status().to_string());
    return SsoReply{SsoReply::Kind::kUnavailable, kServerErrorText, "", ""};
  }
  if (!found->has_value() && card.present) {
    return refuse_card(LoginFailure{LoginOutcome::kUnknownPerson,
                                    "The card holder " + pending.uid + " is not registered in the directory.",
                                    "matches=0", pending.uid},
                       card, client);
  }
  return std::move(*found);
}

SsoReply SsoService::finish_role_choice(std::string_view binding, const Person& person,
                                        const RoleChoiceForm& form, const PendingChoice& pending,
                                        std::string_view client) const {
  const RoleProfile* role = find_role(person, form.role_profile_id);
  if (role == nullptr) {
    log::get("federation")->warn("login outcome=bad_request uid={} sp={} {} error=\"unknown role\"",
                                 person.uid, pending.request.issuer, client);
    return {SsoReply::Kind::kBadRequest, "The chosen role is not one of your role profiles.", "", ""};
  }
  Result<SsoSession> started = sessions_->start(std::string(binding), person.uid, role->id);
  if (!started.ok()) {
    return {SsoReply::Kind::kInternalError, kServerErrorText, "", ""};
  }
  return complete_login(person, role, pending.request, *started, true, client);
}

SsoReply SsoService::complete_login(const Person& person, const RoleProfile* role,
                                    const saml::AuthnRequest& request, const SsoSession& session,
                                    bool new_session, std::string_view client) const {
  auto logger = log::get("federation");
  Result<NameId> name_id = select_name_id(request.name_id_format, person, request.issuer, ids_);
  if (!name_id.ok() && name_id.status().code() != StatusCode::kInternal) {
    return reply_for_bad_request(error_for_sp(request, name_id.status().message(),
                                              saml::kStatusRequester,
                                              saml::kStatusInvalidNameIdPolicy),
                                 person.uid, client);
  }
  if (!name_id.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} {} error=\"{}\"", person.uid,
                  request.issuer, client, name_id.status().to_string());
    return {SsoReply::Kind::kInternalError, kServerErrorText, "", ""};
  }

  saml::Subject subject = build_subject(person, std::move(name_id->value), clock_(), role);
  subject.name_id_format = std::move(name_id->format);
  if (session.card_fingerprint == kPasswordSessionBinding) {
    subject.authn_context_class = saml::kClassPasswordProtectedTransport;
    subject.attributes[kAttributeAssuranceLevel] = {"AAL2"};
  }
  subject.session_index = session.session_index;
  Result<std::string> page = idp_.build_post_response_page(request, subject);
  if (!page.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} {} error=\"{}\"", person.uid,
                  request.issuer, client, page.status().to_string());
    return {SsoReply::Kind::kInternalError, kServerErrorText, "", ""};
  }

  sessions_->record_service_provider(session.id, request.issuer,
                                     IssuedNameId{subject.name_id, subject.name_id_format});
  record_assertion(person, request, subject, new_session, client);
  logger->info("login outcome=success uid={} sp={} role={} session={} reused={} {}",
               person.uid, request.issuer, role == nullptr ? "-" : role->id,
               session.session_index, !new_session, client);
  return {SsoReply::Kind::kPostForm, std::move(*page), request.acs_url,
          new_session ? session_cookie(session.id) : ""};
}

SsoReply SsoService::handle_logout(std::string_view session_id, std::string_view client) const {
  return handle_logout(session_id, client, LogoutOptions{});
}

SsoReply SsoService::handle_logout(std::string_view session_id, std::string_view client,
                                   const LogoutOptions& options) const {
  // The browser came back during a logout, so the SP it was sent to sent no LogoutResponse.
  std::optional<LogoutProgress> progress = sessions_->take_logout(session_id);
  if (progress.has_value()) {
    progress->results.emplace_back(progress->current_sp, "no_response");
    return next_logout_step(std::move(*progress), client);
  }

  std::optional<SsoSession> ended;
  if (!session_id.empty()) {
    ended = sessions_->end(session_id);
  }
  if (!ended.has_value() && !options.session_index.empty()) {
    ended = sessions_->end_by_session_index(options.session_index);
  }
  LogoutProgress started;
  started.post_logout_redirect = options.post_logout_redirect;
  started.client = std::string(client);
  if (ended.has_value()) {
    started.uid = ended->uid;
    started.sessions = 1;
    started.remaining = logout_targets({*ended}, "", idp_);
  }
  return next_logout_step(std::move(started), client);
}

SsoReply SsoService::handle_logout_request(bool post_binding, std::string_view message,
                                           std::string_view session_id,
                                           std::string_view client) const {
  if (is_logout_response(message)) {
    return handle_logout_response(post_binding, message, client);
  }
  auto logger = log::get("federation");
  auto request = post_binding ? idp_.decode_logout_post(message)
                              : idp_.decode_logout_redirect(message);
  if (!request.ok()) {
    // Rate-limited, because a client can trigger one per request.
    static log::RateLimitedLog refusal_log(logger);
    refusal_log.warn("logout_bad_request", "logout outcome=bad_request sp=- {} error=\"{}\"",
                     client, request.error().message);
    return {SsoReply::Kind::kBadRequest, request.error().message, "", ""};
  }

  std::vector<SsoSession> ended = end_named_sessions(*sessions_, *request, session_id);
  LogoutProgress progress;
  progress.uid = ended.empty() ? "" : ended.front().uid;
  progress.sessions = ended.size();
  progress.remaining = logout_targets(ended, request->issuer, idp_);
  progress.initiator = std::move(*request);
  progress.client = std::string(client);
  // The browser's cookie is cleared only when its session ended; an SP may also end another
  // session of the same person by its SessionIndex.
  bool cookie_session_ended = std::any_of(ended.begin(), ended.end(), [&](const SsoSession& s) {
    return !session_id.empty() && s.id == session_id;
  });
  return next_logout_step(std::move(progress), client, cookie_session_ended);
}

SsoReply SsoService::handle_logout_response(bool post_binding, std::string_view message,
                                            std::string_view client) const {
  auto logger = log::get("federation");
  static log::RateLimitedLog refusal_log(logger);
  Result<saml::LogoutResult> result = idp_.decode_logout_response(post_binding, message);
  if (!result.ok()) {
    refusal_log.warn("logout_bad_response", "logout outcome=bad_response sp=- {} error=\"{}\"",
                     client, result.status().message());
    return {SsoReply::Kind::kBadRequest, "The LogoutResponse was rejected: " + result.status().message(),
            "", ""};
  }

  std::optional<LogoutProgress> progress = sessions_->take_logout(result->relay_state);
  if (!progress.has_value()) {
    refusal_log.warn("logout_unknown_response", "logout outcome=unknown_response sp={} {}",
                     result->issuer, client);
    return {SsoReply::Kind::kBadRequest,
            "This sign-out has expired or already finished. You are signed out of careid.", "",
            cleared_cookie()};
  }
  // SAML Core 3.2.2: InResponseTo must name the request that careid sent to this SP.
  if (result->issuer != progress->current_sp ||
      result->in_response_to != progress->current_request_id) {
    refusal_log.warn("logout_mismatched_response",
                     "logout outcome=mismatched_response sp={} expected_sp={} {}",
                     result->issuer, progress->current_sp, client);
    sessions_->put_logout(std::move(*progress));
    return {SsoReply::Kind::kBadRequest,
            "The LogoutResponse does not answer the LogoutRequest that careid sent.", "", ""};
  }
  logger->debug("logout step sp={} status={} {}", result->issuer, result->status_code,
                client);
  progress->results.emplace_back(result->issuer, result->success() ? "success" : "failure");
  return next_logout_step(std::move(*progress), client);
}

void SsoService::record_expired_logout(const LogoutProgress& progress) const {
  LogoutProgress ended = progress;
  if (!ended.current_sp.empty()) {
    ended.results.emplace_back(ended.current_sp, "no_response");
  }
  log::get("federation")
      ->info("logout outcome=expired uid={} sp={} sessions={} service_providers={} {}",
             ended.uid.empty() ? "-" : ended.uid,
             ended.initiator.has_value() ? ended.initiator->issuer : "-", ended.sessions,
             ended.results.size(), ended.client.empty() ? "peer=-" : ended.client);
  record_logout(audit_, ended, ended.client);
}

// Sends the LogoutRequest to the next SP in progress.remaining, or finishes the logout when
// none is left. An SP whose request cannot be built counts as "error" and is skipped.
SsoReply SsoService::next_logout_step(LogoutProgress progress, std::string_view client,
                                      bool clear_cookie) const {
  auto logger = log::get("federation");
  if (progress.id.empty() && !progress.remaining.empty()) {
    Result<std::string> id = random_token();
    if (!id.ok()) {
      logger->error("logout outcome=internal_error uid={} {} error=\"{}\"", progress.uid,
                    client, id.status().to_string());
      progress.remaining.clear();
    } else {
      progress.id = *id;
    }
  }

  while (!progress.remaining.empty()) {
    saml::LogoutTarget target = std::move(progress.remaining.front());
    progress.remaining.erase(progress.remaining.begin());
    target.relay_state = progress.id;
    Result<saml::OutgoingLogoutRequest> outgoing = idp_.build_logout_request(target);
    if (!outgoing.ok()) {
      logger->error("logout outcome=request_failed uid={} sp={} {} error=\"{}\"",
                    progress.uid, target.sp_entity_id, client, outgoing.status().to_string());
      progress.results.emplace_back(target.sp_entity_id, "error");
      continue;
    }
    progress.current_sp = target.sp_entity_id;
    progress.current_request_id = outgoing->id;
    progress.expires = clock_() + sessions_->settings().logout_step_timeout;
    std::string cookie = session_cookie(progress.id);
    sessions_->put_logout(std::move(progress));
    if (!outgoing->message.redirect_url.empty()) {
      return {SsoReply::Kind::kRedirect, "", std::move(outgoing->message.redirect_url),
              std::move(cookie)};
    }
    return {SsoReply::Kind::kPostForm, std::move(outgoing->message.post_page),
            outgoing->message.destination, std::move(cookie)};
  }
  return finish_logout(progress, client, clear_cookie || !progress.id.empty());
}

// Logs and audits the logout, then sends the LogoutResponse to the initiating SP, or shows
// careid's signed-out page. Any SP result other than Success means PartialLogout
// (SAML Core 3.7.3.2).
SsoReply SsoService::finish_logout(const LogoutProgress& progress, std::string_view client,
                                   bool clear_cookie) const {
  auto logger = log::get("federation");
  bool partial = !logged_out_everywhere(progress);
  std::string initiator = progress.initiator.has_value() ? progress.initiator->issuer : "-";
  logger->info("logout outcome=success uid={} sp={} sessions={} service_providers={} partial={} "
               "{}", progress.uid.empty() ? "-" : progress.uid, initiator,
               progress.sessions, progress.results.size(), partial, client);
  record_logout(audit_, progress, client);

  // The cookie of a careid /logout is always cleared.
  std::string cookie = clear_cookie || !progress.initiator.has_value() ? cleared_cookie() : "";
  if (!progress.initiator.has_value()) {
    // OpenID RP-Initiated Logout 1.0 3: the browser returns to the RP. When a service did
    // not confirm, the page first states that and then links to the RP.
    if (!partial && !progress.post_logout_redirect.empty()) {
      return {SsoReply::Kind::kRedirect, "", progress.post_logout_redirect, std::move(cookie)};
    }
    return {SsoReply::Kind::kLoggedOut, build_signed_out_page(partial, progress.post_logout_redirect),
            "", std::move(cookie)};
  }

  Result<saml::LogoutReply> reply = idp_.build_logout_response(*progress.initiator, partial);
  if (!reply.ok()) {
    logger->error("logout outcome=internal_error sp={} {} error=\"{}\"", initiator, client,
                  reply.status().to_string());
    return {SsoReply::Kind::kInternalError, kServerErrorText, "", std::move(cookie)};
  }
  if (!reply->redirect_url.empty()) {
    return {SsoReply::Kind::kRedirect, "", std::move(reply->redirect_url), std::move(cookie)};
  }
  return {SsoReply::Kind::kPostForm, std::move(reply->post_page), reply->destination,
          std::move(cookie)};
}

}  // namespace careid::federation::sso
