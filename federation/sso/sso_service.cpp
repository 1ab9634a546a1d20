#include "federation/sso/sso_service.h"

#include "base/log.h"
#include "federation/sso/subject.h"

namespace careid::federation::sso {

SsoService::SsoService(IdentitySource& source, const saml::IdentityProvider& idp,
                       PersistentIdGenerator ids, Clock clock)
    : source_(source), idp_(idp), ids_(std::move(ids)), clock_(std::move(clock)) {}

namespace {

SsoReply reply_for_failure(const LoginFailure& failure, std::string_view client,
                           const PeerCertificate& card) {
  auto logger = log::get("federation");
  std::string_view outcome = login_outcome_name(failure.outcome);
  // The uid is known only once the subject passed its check.
  std::string_view uid = "-";
  if (failure.outcome == LoginOutcome::kUnknownPerson ||
      failure.outcome == LoginOutcome::kStoreError) {
    uid = card.common_names.front();
  }

  // The card subject is attacker-chosen but arrives RFC 2253-escaped, control characters
  // included, so it cannot forge log lines.
  if (failure.outcome == LoginOutcome::kStoreError) {
    logger->error("login outcome={} uid={} sp=- client={} error=\"{}\"", outcome, uid, client,
                  failure.log_detail);
    return {SsoReply::Kind::kUnavailable, failure.reason, ""};
  }
  // TODO: rate-limit these warnings, because a client can trigger one per request.
  logger->warn("login outcome={} uid={} sp=- client={} subject=\"{}\" detail=\"{}\"", outcome, uid,
               client, card.subject, failure.log_detail);
  return {SsoReply::Kind::kDenied, failure.reason, ""};
}

}  // namespace

// SAML Core 3.2.2.2: when the SP and one of its ACS URLs are known, the error goes back to
// the SP as a Response with a non-success StatusCode. Otherwise the user gets a 400 page.
SsoReply SsoService::reply_for_bad_request(const saml::RequestError& error, std::string_view uid,
                                           std::string_view client) const {
  auto logger = log::get("federation");
  std::string_view sp = error.sp_entity_id;
  if (sp.empty()) {
    sp = "-";
  }
  logger->warn("login outcome=bad_request uid={} sp={} client={} status={} error=\"{}\"", uid, sp,
               client, error.status_code, error.message);
  if (error.acs_url.empty()) {
    return {SsoReply::Kind::kBadRequest, error.message, ""};
  }

  Result<std::string> page = idp_.build_error_page(error);
  if (!page.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} client={} error=\"{}\"", uid, sp,
                  client, page.status().to_string());
    return {SsoReply::Kind::kBadRequest, error.message, ""};
  }
  return {SsoReply::Kind::kPostForm, std::move(*page), error.acs_url};
}

SsoReply SsoService::handle_redirect(const PeerCertificate& card, std::string_view query,
                                     std::string_view client) const {
  auto logger = log::get("federation");

  Result<Person, LoginFailure> person = identify_card_holder(card, source_);
  if (!person.ok()) {
    return reply_for_failure(person.error(), client, card);
  }

  Result<saml::AuthnRequest, saml::RequestError> request = idp_.decode_redirect_request(query);
  if (!request.ok()) {
    return reply_for_bad_request(request.error(), person->uid, client);
  }

  Result<std::string> name_id = ids_.name_id(request->issuer, person->uid);
  if (!name_id.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} client={} error=\"{}\"", person->uid,
                  request->issuer, client, name_id.status().to_string());
    return {SsoReply::Kind::kInternalError,
            "The login failed because of a server error. Try again later.", ""};
  }

  saml::Subject subject = build_subject(*person, std::move(*name_id), clock_());
  Result<std::string> page = idp_.build_post_response_page(*request, subject);
  if (!page.ok()) {
    logger->error("login outcome=internal_error uid={} sp={} client={} error=\"{}\"", person->uid,
                  request->issuer, client, page.status().to_string());
    return {SsoReply::Kind::kInternalError,
            "The login failed because of a server error. Try again later.", ""};
  }

  logger->info("login outcome=success uid={} sp={} roles={} client={}", person->uid,
               request->issuer, person->roles.size(), client);
  return {SsoReply::Kind::kPostForm, std::move(*page), request->acs_url};
}

}  // namespace careid::federation::sso
