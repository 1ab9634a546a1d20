#include "provisioning/registration/token_card_issuer.h"

#include "base/config.h"
#include "pki/crl.h"
#include "pki/layout.h"
#include "pki/pkcs11/softhsm.h"

namespace careid::provisioning::registration {
namespace {

namespace fs = std::filesystem;
namespace p11 = pki::pkcs11;

// Returns the data folder's careid.toml, or nullopt when it has none.
Result<std::optional<Config>> load_folder_config(const fs::path& data_dir) {
  fs::path config_file = data_dir / "careid.toml";
  if (!fs::exists(config_file)) {
    return std::optional<Config>();
  }
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  return std::optional<Config>(std::move(*config));
}

Result<std::unique_ptr<audit::AuditLog>> open_configured_audit_log(const std::optional<Config>& config) {
  if (!config.has_value() || config->audit.file.empty()) {
    return std::unique_ptr<audit::AuditLog>();
  }
  return audit::open_audit_log(config->audit);
}

}  // namespace

Result<fs::path> pkcs11_module_of(const fs::path& data_dir) {
  auto config = load_folder_config(data_dir);
  if (!config.ok()) {
    return config.status();
  }
  return config->has_value() ? (*config)->pki.pkcs11_module : fs::path(p11::kDefaultModulePath);
}

Result<std::unique_ptr<audit::AuditLog>> open_audit_log_of(const fs::path& data_dir) {
  auto config = load_folder_config(data_dir);
  if (!config.ok()) {
    return config.status();
  }
  return open_configured_audit_log(*config);
}

TokenCardIssuer::TokenCardIssuer(p11::Module module, pki::CertificateAuthority ca, p11::Pin so_pin,
                                 p11::Pin user_pin)
    : module_(std::move(module)), ca_(std::move(ca)), so_pin_(std::move(so_pin)), user_pin_(std::move(user_pin)) {}

TokenCardIssuer::~TokenCardIssuer() {
  if (audit_log_) {
    (void)audit_log_->flush();
  }
}

Result<std::unique_ptr<TokenCardIssuer>> TokenCardIssuer::open(const TokenCardIssuerOptions& options,
                                                               p11::Pin so_pin, p11::Pin user_pin) {
  pki::PkiLayout layout(options.data_dir);
  auto ca = pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status().with_context("card CA of " + options.data_dir.string());
  }
  auto registry = pki::CardRegistry::open(layout.card_registry_dir());
  if (!registry.ok()) {
    return registry.status().with_context("card registry");
  }
  auto config = load_folder_config(options.data_dir);
  if (!config.ok()) {
    return config.status();
  }
  auto audit_log = open_configured_audit_log(*config);
  if (!audit_log.ok()) {
    return audit_log.status().with_context("audit trail");
  }

  fs::path module_path = options.module;
  if (module_path.empty()) {
    module_path = config->has_value() ? (*config)->pki.pkcs11_module : fs::path(p11::kDefaultModulePath);
  }
  CAREID_RETURN_IF_ERROR(p11::use_softhsm_tokens_of(options.data_dir));
  auto module = p11::Module::load(module_path);
  if (!module.ok()) {
    return module.status();
  }

  std::unique_ptr<TokenCardIssuer> issuer(
      new TokenCardIssuer(std::move(*module), std::move(*ca), std::move(so_pin), std::move(user_pin)));
  issuer->key_options_.key_type = options.key_type;
  if (config->has_value()) {
    // As `careidctl pki issue-card`: new cards name careidd's CRL and OCSP URLs.
    pki::RevocationUrls urls = pki::card_revocation_urls((*config)->pki_public_url());
    issuer->key_options_.certificate.crl_url = urls.crl_url;
    issuer->key_options_.certificate.ocsp_url = urls.ocsp_url;
  }
  issuer->registry_ = std::move(*registry);
  issuer->audit_log_ = std::move(*audit_log);
  issuer->actor_ = options.actor;

  CAREID_RETURN_IF_ERROR(issuer->scan_new_slots());
  return issuer;
}

Result<CardOutcome> TokenCardIssuer::ensure_card(const std::string& uid) {
  auto done = has_good_token_card(uid);
  if (!done.ok()) {
    return done.status();
  }
  if (*done) {
    return CardOutcome::kAlreadyIssued;
  }

  // The person's token: left by an interrupted run, or new.
  Result<p11::TokenInfo> token = Status::not_found(uid);
  if (auto known = tokens_.find(uid); known != tokens_.end()) {
    token = known->second;
  } else {
    token = create_token(uid);
  }
  if (token.ok() && !token->user_pin_initialized) {
    Status pin_set = p11::set_user_pin(module_, *token, so_pin_, user_pin_);
    token = pin_set.ok() ? module_.token_info(token->slot) : Result<p11::TokenInfo>(pin_set);
  }
  if (!token.ok()) {
    record_failure(uid);
    return token.status().with_context("token '" + uid + "'");
  }
  tokens_.insert_or_assign(uid, *token);

  auto card = p11::issue_card(module_, *token, user_pin_, ca_, uid, key_options_);
  if (!card.ok() && card.status().code() == StatusCode::kAlreadyExists) {
    return record_card_on_token(uid, *token);
  }
  if (!card.ok()) {
    record_failure(uid);
    return card.status();
  }
  return record_card(uid, card->certificate, card->token_serial);
}

Result<bool> TokenCardIssuer::has_good_token_card(const std::string& uid) const {
  auto cards = registry_->cards_of(uid);
  if (!cards.ok()) {
    return cards.status();
  }
  for (const pki::CardRecord& card : *cards) {
    if (card.status.state == pki::CardState::kGood && !card.token_serial.empty()) {
      return true;
    }
  }
  return false;
}

// Initialises a token labelled `label` in the module's free slot and sets its PINs.
Result<p11::TokenInfo> TokenCardIssuer::create_token(const std::string& label) {
  if (!free_token_) {
    CAREID_RETURN_IF_ERROR(scan_new_slots());
  }
  if (!free_token_) {
    return Status::resource_exhausted("no slot of " + module_.path().string() + " contains an uninitialised token");
  }
  const p11::SlotId slot = free_token_->slot;
  free_token_.reset();

  // C_InitToken would wipe a token that another process initialised since the scan.
  auto current = module_.token_info(slot);
  if (!current.ok()) {
    return current.status();
  }
  if (current->initialized) {
    return Status::unavailable("slot " + std::to_string(slot) + " of " + module_.path().string() +
                               " was initialised by another process; run the intake again");
  }
  CAREID_RETURN_IF_ERROR(module_.init_token_in_slot(slot, label, so_pin_));

  // SoftHSM 2 moves a newly initialised token to a new slot id and offers a new free slot,
  // so one scan finds both.
  CAREID_RETURN_IF_ERROR(scan_new_slots());
  auto token = tokens_.find(label);
  if (token == tokens_.end()) {
    return Status::not_found("token '" + label + "' is not in any slot of " + module_.path().string() +
                             " after C_InitToken");
  }
  CAREID_RETURN_IF_ERROR(p11::set_user_pin(module_, token->second, so_pin_, user_pin_));
  return module_.token_info(token->second.slot);
}

// Asks the slots not seen before for their token: initialised ones are remembered by label,
// and the first uninitialised one becomes free_token_.
Status TokenCardIssuer::scan_new_slots() {
  auto slots = module_.slot_ids();
  if (!slots.ok()) {
    return slots.status();
  }
  for (p11::SlotId slot : *slots) {
    if (known_slots_.contains(slot)) {
      continue;
    }
    auto token = module_.token_info(slot);
    if (!token.ok()) {
      return token.status();
    }
    if (token->initialized) {
      known_slots_.insert(slot);
      tokens_.insert_or_assign(token->label, *token);
    } else if (!free_token_) {
      free_token_ = *token;
    }
  }
  return Status::ok_status();
}

Result<CardOutcome> TokenCardIssuer::record_card(const std::string& uid, const pki::Certificate& certificate,
                                                 const std::string& token_serial) {
  Status recorded = registry_->record_issued(certificate, uid, token_serial);
  if (!recorded.ok() && recorded.code() != StatusCode::kAlreadyExists) {
    record_failure(uid);
    return recorded.with_context("card registry");
  }
  auto info = certificate.info();
  if (audit_log_) {
    audit::record_card_event(*audit_log_, audit::CardEvent{"issue", actor_, uid, info.ok() ? info->serial_hex : ""});
  }
  return CardOutcome::kIssued;
}

// Records the card that an interrupted run left on the token but not in the registry.
Result<CardOutcome> TokenCardIssuer::record_card_on_token(const std::string& uid, const p11::TokenInfo& token) {
  auto session = module_.open_session(token.slot);
  if (!session.ok()) {
    return session.status();
  }
  CAREID_RETURN_IF_ERROR(session->login_user(user_pin_).with_context("user login to token '" + token.label + "'"));
  p11::ObjectFilter filter;
  filter.object_class = p11::ObjectClass::kCertificate;
  filter.label = uid;
  auto objects = session->find_objects(filter);
  if (!objects.ok()) {
    return objects.status();
  }
  if (objects->empty()) {
    return Status::internal("token '" + token.label + "' reported a card for uid " + uid + " but holds none");
  }
  auto certificate = session->read_certificate(objects->front().handle);
  if (!certificate.ok()) {
    return certificate.status();
  }
  return record_card(uid, *certificate, token.serial);
}

void TokenCardIssuer::record_failure(const std::string& uid) {
  if (audit_log_) {
    audit::record_card_event(*audit_log_, audit::CardEvent{"issue", actor_, uid, "", "", audit::kFailure});
  }
}

}  // namespace careid::provisioning::registration
