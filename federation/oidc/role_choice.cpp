// POST /oidc/role: the role page's form of an OpenID login (federation/sso/role_page.h).
#include <algorithm>

#include "base/log.h"
#include "federation/oidc/provider.h"
#include "federation/sso/role_page.h"

namespace careid::federation::oidc {
namespace {

bool holds_role(const Person& person, std::string_view role_profile_id) {
  return std::any_of(person.roles.begin(), person.roles.end(),
                     [&](const RoleProfile& role) { return role.id == role_profile_id; });
}

// Returns the 403 page for a card that failed a check, or 503 when the directory failed.
OidcReply reject_card(const sso::LoginFailure& failure, std::string_view peer) {
  auto log = log::get("federation");
  if (failure.outcome == sso::LoginOutcome::kStoreError) {
    log->error("oidc directory read failed: {}", failure.log_detail);
    return text_reply(503, "The directory cannot be read. Try again in a minute.\n");
  }
  log->warn("oidc endpoint=role outcome=access_denied reason={} {}",
            sso::login_outcome_name(failure.outcome), peer);
  return text_reply(403, "Access denied.\n\nNo valid NHS smartcard: " +
                             std::string(sso::login_outcome_name(failure.outcome)) + "\n");
}

// Returns the card's holder, or the 403 or 503 page.
Result<Person, OidcReply> find_card_holder(const sso::PeerCertificate& card, IdentitySource& source,
                                           const sso::CardMapping& mapping, std::string_view peer) {
  Result<Person, sso::LoginFailure> person = sso::identify_card_holder(card, source, mapping);
  if (!person.ok()) {
    return reject_card(person.error(), peer);
  }
  return std::move(*person);
}

// Reads the person of a pending choice again. A choice that contains the person as the role
// page showed them needs only the chosen role read again. Otherwise the whole person is read.
Result<std::optional<Person>, OidcReply> reread_pending_person(const sso::PendingChoice& pending,
                                                               std::string_view role_profile_id,
                                                               IdentitySource& source) {
  Result<std::optional<Person>> found = pending.person.has_value()
                                            ? source.find_person_role(*pending.person, role_profile_id)
                                            : source.find_person(pending.uid);
  if (!found.ok()) {
    log::get("federation")->error("oidc directory read failed: uid={} {}", pending.uid, found.status().message());
    return text_reply(503, "The directory cannot be read. Try again in a minute.\n");
  }
  return std::move(*found);
}

}  // namespace

OidcReply Provider::choose_role(const sso::PeerCertificate& card, std::string_view form_body,
                                std::string_view peer) const {
  auto log = log::get("federation");
  if (sessions_ == nullptr) {
    return text_reply(404, "Role choice is not available: this server keeps no SSO sessions.\n");
  }

  // A browser without a card comes from the password login, whose pending choice names the
  // person. With the subject_cn mapping the certificate alone names the person, and the
  // pending choice is bound to this certificate, so only the chosen role is read again
  // below. The other mappings search again, because the mapped attribute may have changed.
  bool password = !card.present && password_login_ != nullptr;
  std::optional<Person> holder;
  std::string uid = "-";
  if (!password && settings_.card_mapping.mode == sso::CardMappingMode::kSubjectCn) {
    Result<std::string, sso::LoginFailure> key = sso::check_card_certificate(card, settings_.card_mapping);
    if (!key.ok()) {
      return reject_card(key.error(), peer);
    }
    uid = std::move(*key);
  } else if (!password) {
    Result<Person, OidcReply> person = find_card_holder(card, source_, settings_.card_mapping, peer);
    if (!person.ok()) {
      return std::move(person).error();
    }
    holder = std::move(*person);
    uid = holder->uid;
  }

  sso::RoleChoiceForm form = sso::parse_role_form(form_body);
  if (form.csrf_token.empty() || form.role_profile_id.empty()) {
    log->warn("oidc endpoint=role outcome=bad_request uid={} {}", uid, peer);
    return text_reply(400, "The role form is incomplete. Choose one role and submit the form "
                           "again.\n");
  }

  std::string binding = password ? std::string(sso::kPasswordSessionBinding) : card.sha256_fingerprint;
  std::optional<sso::PendingChoice> pending =
      sessions_->take_pending_authorization(form.csrf_token, binding);
  if (pending.has_value() && !holder.has_value()) {
    Result<std::optional<Person>, OidcReply> found = reread_pending_person(*pending, form.role_profile_id, source_);
    if (!found.ok()) {
      return std::move(found).error();
    }
    holder = std::move(*found);
  }
  bool same_person = pending.has_value() && holder.has_value() && pending->uid == holder->uid &&
                     (password || holder->uid == uid);
  if (!same_person) {
    log->warn("oidc endpoint=role outcome=role_choice_rejected uid={} {}", uid, peer);
    return text_reply(403, "Access denied.\n\nThis role form has expired, was already used or "
                           "belongs to another card. Start again at the application you were "
                           "signing in to.\n");
  }
  if (!holds_role(*holder, form.role_profile_id)) {
    log->warn("oidc endpoint=role outcome=unknown_role uid={} {}", holder->uid, peer);
    return text_reply(400, "The chosen role is not one of your role profiles. Start again at "
                           "the application you were signing in to.\n");
  }

  log->info("oidc endpoint=role outcome=role_chosen uid={} role={} {}", holder->uid,
            form.role_profile_id, peer);
  SignIn sign_in{std::move(binding), std::move(*holder)};
  return authorize_signed_in(sign_in, pending->authorization_query, peer, form.role_profile_id);
}

}  // namespace careid::federation::oidc
