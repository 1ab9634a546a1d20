// POST /oidc/role: the role page's form of an OpenID login (federation/sso/role_page.h).
#include <algorithm>

#include "base/log.h"
#include "federation/oidc/provider.h"
#include "federation/sso/role_page.h"

namespace careid::federation::oidc {
namespace {

OidcReply text_reply(int status, std::string body) {
  OidcReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::move(body);
  return reply;
}

bool holds_role(const Person& person, std::string_view role_profile_id) {
  return std::any_of(person.roles.begin(), person.roles.end(),
                     [&](const RoleProfile& role) { return role.id == role_profile_id; });
}

}  // namespace

OidcReply Provider::choose_role(const sso::PeerCertificate& card, std::string_view form_body,
                                std::string_view peer) const {
  auto log = log::get("federation");
  if (sessions_ == nullptr) {
    return text_reply(404, "Role choice is not available: this server keeps no SSO sessions.\n");
  }

  Result<Person, sso::LoginFailure> person =
      sso::identify_card_holder(card, source_, settings_.card_mapping);
  if (!person.ok()) {
    const sso::LoginFailure& failure = person.error();
    if (failure.outcome == sso::LoginOutcome::kStoreError) {
      log->error("oidc directory read failed: {}", failure.log_detail);
      return text_reply(503, "The directory cannot be read. Try again in a minute.\n");
    }
    log->warn("oidc endpoint=role outcome=access_denied reason={} {}",
              sso::login_outcome_name(failure.outcome), peer);
    return text_reply(403, "Access denied.\n\nNo valid NHS smartcard: " +
                               std::string(sso::login_outcome_name(failure.outcome)) + "\n");
  }

  sso::RoleChoiceForm form = sso::parse_role_form(form_body);
  if (form.csrf_token.empty() || form.role_profile_id.empty()) {
    log->warn("oidc endpoint=role outcome=bad_request uid={} {}", person->uid, peer);
    return text_reply(400, "The role form is incomplete. Choose one role and submit the form "
                           "again.\n");
  }

  std::optional<sso::PendingChoice> pending =
      sessions_->take_pending_authorization(form.csrf_token, card.sha256_fingerprint);
  if (!pending.has_value() || pending->uid != person->uid) {
    log->warn("oidc endpoint=role outcome=role_choice_rejected uid={} {}", person->uid, peer);
    return text_reply(403, "Access denied.\n\nThis role form has expired, was already used or "
                           "belongs to another card. Start again at the application you were "
                           "signing in to.\n");
  }
  if (!holds_role(*person, form.role_profile_id)) {
    log->warn("oidc endpoint=role outcome=unknown_role uid={} {}", person->uid, peer);
    return text_reply(400, "The chosen role is not one of your role profiles. Start again at "
                           "the application you were signing in to.\n");
  }

  log->info("oidc endpoint=role outcome=role_chosen uid={} role={} {}", person->uid,
            form.role_profile_id, peer);
  return authorize_in_role(card, pending->authorization_query, "", peer, form.role_profile_id);
}

}  // namespace careid::federation::oidc
