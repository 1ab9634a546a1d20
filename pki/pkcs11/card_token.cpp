#include "pki/pkcs11/card_token.h"

#include "pki/digest.h"

namespace careid::pki::pkcs11 {

namespace {

struct LoggedIn {
  TokenInfo token;
  Session session;
};

Result<LoggedIn> log_in_user(Module& module, TokenInfo token, const Pin& pin) {
  auto session = module.open_session(token.slot);
  if (!session.ok()) {
    return session.status();
  }
  Status login = session->login_user(pin);
  if (!login.ok()) {
    return login.with_context("user login to token '" + token.label + "'");
  }
  return LoggedIn{std::move(token), std::move(*session)};
}

Result<LoggedIn> open_user_session(Module& module, const TokenSelector& selector, const Pin& pin) {
  auto token = module.find_token(selector);
  if (!token.ok()) {
    return token.status();
  }
  return log_in_user(module, std::move(*token), pin);
}

ObjectFilter card_filter(ObjectClass object_class, std::string_view uid) {
  ObjectFilter filter;
  filter.object_class = object_class;
  filter.label = std::string(uid);
  return filter;
}

// Deletes every object with CKA_ID `id`: the key pair and certificate of one card.
Status delete_card_objects(Session& session, const Bytes& id) {
  ObjectFilter filter;
  filter.id = id;
  auto objects = session.find_objects(filter);
  if (!objects.ok()) {
    return objects.status();
  }
  for (const ObjectInfo& object : *objects) {
    CAREID_RETURN_IF_ERROR(session.destroy_object(object.handle));
  }
  return Status::ok_status();
}

// Generates the key pair, certifies it and stores the certificate; deletes the new
// objects again when a later step fails.
Result<TokenCard> put_card(LoggedIn& login, const CertificateAuthority& ca, std::string_view uid,
                           const CardKeyOptions& options) {
  if (!is_valid_card_uid(uid)) {
    return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                    "': expected exactly 12 digits");
  }
  auto id = random_bytes(kCardObjectIdBytes);
  if (!id.ok()) {
    return id.status();
  }
  auto keys = login.session.generate_key_pair(options.key_type, *id, uid);
  if (!keys.ok()) {
    return keys.status().with_context("key generation on " + login.token.label);
  }

  auto certified = [&]() -> Result<Certificate> {
    auto public_key = login.session.read_public_key(keys->public_key);
    if (!public_key.ok()) {
      return public_key.status();
    }
    auto certificate = ca.issue_card_certificate(uid, *public_key, options.certificate);
    if (!certificate.ok()) {
      return certificate.status();
    }
    auto stored = login.session.store_certificate(*certificate, *id, uid);
    if (!stored.ok()) {
      return stored.status();
    }

    // Read back what the token stored, as a client will, and check it carries the key.
    auto read_back = login.session.read_certificate(*stored);
    if (!read_back.ok()) {
      return read_back.status();
    }
    if (!public_key->matches(*read_back)) {
      return Status::internal("the certificate read back from the token does not carry the "
                              "token's public key");
    }
    return read_back;
  }();
  if (!certified.ok()) {
    (void)delete_card_objects(login.session, *id);
    return certified.status();
  }
  return TokenCard{std::move(*certified), login.token.label, login.token.serial, std::move(*id)};
}

}  // namespace

Result<TokenInfo> initialize_token(Module& module, std::string_view label, const Pin& so_pin,
                                   const Pin& user_pin) {
  auto token = module.init_token(label, so_pin);
  if (!token.ok()) {
    return token.status();
  }
  CAREID_RETURN_IF_ERROR(set_user_pin(module, *token, so_pin, user_pin));
  return module.token_info(token->slot);
}

Status set_user_pin(Module& module, const TokenInfo& token, const Pin& so_pin, const Pin& user_pin) {
  auto session = module.open_session(token.slot);
  if (!session.ok()) {
    return session.status();
  }
  CAREID_RETURN_IF_ERROR(session->login_so(so_pin));
  return session->init_user_pin(user_pin);
}

Result<TokenCard> issue_card(Module& module, const TokenSelector& token, const Pin& pin,
                             const CertificateAuthority& ca, std::string_view uid,
                             const CardKeyOptions& options) {
  auto found = module.find_token(token);
  if (!found.ok()) {
    return found.status();
  }
  return issue_card(module, *found, pin, ca, uid, options);
}

Result<TokenCard> issue_card(Module& module, const TokenInfo& token, const Pin& pin,
                             const CertificateAuthority& ca, std::string_view uid,
                             const CardKeyOptions& options) {
  auto login = log_in_user(module, token, pin);
  if (!login.ok()) {
    return login.status();
  }
  auto existing = login->session.find_objects(card_filter(ObjectClass::kCertificate, uid));
  if (!existing.ok()) {
    return existing.status();
  }
  if (!existing->empty()) {
    return Status::already_exists("token '" + token.label + "' already holds a card for uid " +
                                  std::string(uid) + "; use `careidctl card renew` to replace it");
  }
  return put_card(*login, ca, uid, options);
}

Result<RenewedCard> renew_card(Module& module, const TokenSelector& token, const Pin& pin,
                               const CertificateAuthority& ca, std::string_view uid,
                               const CardKeyOptions& options) {
  auto login = open_user_session(module, token, pin);
  if (!login.ok()) {
    return login.status();
  }
  auto existing = login->session.find_objects(card_filter(ObjectClass::kCertificate, uid));
  if (!existing.ok()) {
    return existing.status();
  }
  if (existing->size() != 1) {
    return existing->empty() ? Status::not_found(token.describe() + " holds no card for uid " +
                                                 std::string(uid) + "; issue one first")
                             : Status::failed_precondition(
                                   token.describe() + " holds " + std::to_string(existing->size()) +
                                   " certificates labelled " + std::string(uid));
  }
  const ObjectInfo previous = existing->front();
  auto replaced = login->session.read_certificate(previous.handle);
  if (!replaced.ok()) {
    return replaced.status();
  }

  // The new card is complete on the token before the old one goes, so a failure in
  // between leaves the holder a working card.
  auto card = put_card(*login, ca, uid, options);
  if (!card.ok()) {
    return card.status();
  }
  CAREID_RETURN_IF_ERROR(delete_card_objects(login->session, previous.id));
  return RenewedCard{std::move(*card), std::move(*replaced)};
}

Status reset_user_pin(Module& module, const TokenSelector& selector, const Pin& so_pin,
                      const Pin& new_pin) {
  auto token = module.find_token(selector);
  if (!token.ok()) {
    return token.status();
  }
  auto session = module.open_session(token->slot);
  if (!session.ok()) {
    return session.status();
  }
  Status login = session->login_so(so_pin);
  if (!login.ok()) {
    return login.with_context("security officer login to " + selector.describe());
  }
  return session->init_user_pin(new_pin);
}

Result<TokenContents> read_token(Module& module, const TokenSelector& selector,
                                 const std::optional<Pin>& pin) {
  auto token = module.find_token(selector);
  if (!token.ok()) {
    return token.status();
  }
  auto session = module.open_session(token->slot);
  if (!session.ok()) {
    return session.status();
  }
  if (pin.has_value()) {
    Status login = session->login_user(*pin);
    if (!login.ok()) {
      return login.with_context("user login to " + selector.describe());
    }
  }

  auto objects = session->find_objects({});
  if (!objects.ok()) {
    return objects.status();
  }
  TokenContents contents{std::move(*token), std::move(*objects), {}};
  for (const ObjectInfo& object : contents.objects) {
    if (object.object_class == ObjectClass::kCertificate) {
      auto certificate = session->read_certificate(object.handle);
      if (!certificate.ok()) {
        return certificate.status();
      }
      contents.certificates.emplace_back(object.handle, std::move(*certificate));
    }
  }
  return contents;
}

}  // namespace careid::pki::pkcs11
