// careidctl card init-token, issue, renew, unlock and show: smartcards on a PKCS#11 token
// (SoftHSM 2 by default). The card's private key is generated on the token and never
// leaves it. PINs come from files (mode 0600) or environment variables, never from the
// command line, where any local user could read them in the process list.
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "audit/audit_log.h"
#include "base/config.h"
#include "pki/card_registry.h"
#include "pki/encoding.h"
#include "pki/layout.h"
#include "pki/pkcs11/card_token.h"
#include "pki/pkcs11/softhsm.h"
#include "provisioning/registration/token_card_issuer.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {

namespace {

namespace fs = std::filesystem;
namespace p11 = pki::pkcs11;

constexpr const char* kNewPinVariable = "CAREID_CARD_NEW_PIN";
constexpr const char* kActor = "careidctl";

const std::map<std::string, pki::KeyType> kCardKeyTypes = {{"ecdsa", pki::KeyType::kEcdsaP256},
                                                           {"rsa", pki::KeyType::kRsa2048}};

// Options that every card subcommand takes.
struct TokenOptions {
  fs::path data_dir;
  fs::path module;  // empty: [pki] pkcs11_module of the data folder's careid.toml
  p11::TokenSelector token;
  std::optional<fs::path> pin_file;
};

int fail(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

void add_token_options(CLI::App* command, TokenOptions& options, bool select_token) {
  command->add_option("--data", options.data_dir, "Data folder (its tokens/ folder holds SoftHSM tokens)")
      ->required();
  command->add_option("--module", options.module,
                      "PKCS#11 module; default: [pki] pkcs11_module of <data>/careid.toml, else " +
                          std::string(p11::kDefaultModulePath));
  if (select_token) {
    auto* label = command->add_option("--token-label", options.token.label, "Label of the token");
    auto* serial = command->add_option("--token-serial", options.token.serial, "Serial of the token");
    label->excludes(serial);
  }
}

// Points SoftHSM at the data folder's tokens and loads the module.
Result<p11::Module> load_module(const TokenOptions& options) {
  fs::path module_path = options.module;
  if (module_path.empty()) {
    auto configured = provisioning::registration::pkcs11_module_of(options.data_dir);
    if (!configured.ok()) {
      return configured.status();
    }
    module_path = *configured;
  }
  CAREID_RETURN_IF_ERROR(p11::use_softhsm_tokens_of(options.data_dir));
  return p11::Module::load(module_path);
}

Result<std::unique_ptr<audit::AuditLog>> open_audit(const fs::path& data_dir) {
  return provisioning::registration::open_audit_log_of(data_dir);
}

void record_event(audit::AuditLog* log, std::string action, std::string uid, std::string serial,
                  std::string outcome = audit::kSuccess, std::string reason = "") {
  if (log == nullptr) {
    return;
  }
  audit::CardEvent event;
  event.action = std::move(action);
  event.actor = kActor;
  event.uid = std::move(uid);
  event.serial = std::move(serial);
  event.reason = std::move(reason);
  event.outcome = std::move(outcome);
  audit::record_card_event(*log, event);
}

std::string pkcs11_uri(const std::string& token_label, const std::string& object_label) {
  // RFC 7512 2.3: attribute values are percent-encoded outside the unreserved characters.
  auto encode = [](const std::string& text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      }
    }
    return out;
  };
  return "pkcs11:token=" + encode(token_label) + ";object=" + encode(object_label);
}

void print_card(const p11::TokenCard& card, std::string_view verb) {
  auto info = card.certificate.info();
  std::cout << verb << " card " << (info.ok() ? pki::serial_hex_octets(info->serial_hex) : "?") << " for "
            << (info.ok() ? info->subject : "?") << " on token '" << card.token_label
            << "' (serial " << card.token_serial << ")\n"
            << "  key id:  " << pki::hex_encode(card.object_id) << "\n"
            << "  URI:     " << pkcs11_uri(card.token_label, info.ok() ? info->subject_cn : "") << "\n";
}

struct IssueOptions {
  TokenOptions token;
  std::string uid;
  pki::KeyType key_type = pki::KeyType::kEcdsaP256;
};

// Everything issue and renew need before they touch the token, opened first so that a
// missing CA, registry or audit trail stops the command before the token changes.
struct IssueContext {
  p11::Module module;
  p11::Pin pin;
  pki::CertificateAuthority ca;
  std::unique_ptr<pki::CardRegistry> registry;
  std::unique_ptr<audit::AuditLog> audit_log;
};

Result<IssueContext> open_issue_context(const IssueOptions& options) {
  auto pin = p11::Pin::read(options.token.pin_file, kCardPinVariable);
  if (!pin.ok()) {
    return pin.status();
  }
  pki::PkiLayout layout(options.token.data_dir);
  auto ca = pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status().with_context("card CA of " + options.token.data_dir.string());
  }
  auto registry = pki::CardRegistry::open(layout.card_registry_dir());
  if (!registry.ok()) {
    return registry.status();
  }
  auto audit_log = open_audit(options.token.data_dir);
  if (!audit_log.ok()) {
    return audit_log.status().with_context("audit trail");
  }
  auto module = load_module(options.token);
  if (!module.ok()) {
    return module.status();
  }
  return IssueContext{std::move(*module), std::move(*pin), std::move(*ca), std::move(*registry),
                      std::move(*audit_log)};
}

Status issue(const IssueOptions& options) {
  auto context = open_issue_context(options);
  if (!context.ok()) {
    return context.status();
  }
  p11::CardKeyOptions key_options;
  key_options.key_type = options.key_type;
  auto card = p11::issue_card(context->module, options.token.token, context->pin, context->ca,
                              options.uid, key_options);
  if (!card.ok()) {
    record_event(context->audit_log.get(), "issue", options.uid, "", audit::kFailure);
    return card.status();
  }

  Status recorded = context->registry->record_issued(card->certificate, options.uid, card->token_serial);
  auto info = card->certificate.info();
  record_event(context->audit_log.get(), "issue", options.uid, info.ok() ? info->serial_hex : "");
  print_card(*card, "issued");
  return recorded.with_context("card registry");
}

Status renew(const IssueOptions& options) {
  auto context = open_issue_context(options);
  if (!context.ok()) {
    return context.status();
  }
  p11::CardKeyOptions key_options;
  key_options.key_type = options.key_type;
  auto renewed = p11::renew_card(context->module, options.token.token, context->pin, context->ca,
                                 options.uid, key_options);
  if (!renewed.ok()) {
    record_event(context->audit_log.get(), "renew", options.uid, "", audit::kFailure);
    return renewed.status();
  }

  auto info = renewed->card.certificate.info();
  auto replaced = renewed->replaced.info();
  CAREID_RETURN_IF_ERROR(
      context->registry->record_issued(renewed->card.certificate, options.uid, renewed->card.token_serial)
          .with_context("card registry"));
  print_card(renewed->card, "renewed");
  record_event(context->audit_log.get(), "renew", options.uid, info.ok() ? info->serial_hex : "");
  if (!replaced.ok()) {
    return replaced.status();
  }

  // RFC 5280 5.3.1: superseded, because the holder keeps a card and only the key changed.
  // A previous certificate issued before the registry existed is unknown to it, so there is
  // nothing to revoke.
  Status revoked = context->registry->revoke(replaced->serial_hex, pki::RevocationReason::kSuperseded,
                                             std::chrono::system_clock::now());
  if (revoked.code() == StatusCode::kNotFound) {
    std::cout << "  previous certificate " << pki::serial_hex_octets(replaced->serial_hex)
              << " is not in the card registry\n";
    return Status::ok_status();
  }
  CAREID_RETURN_IF_ERROR(revoked.with_context("card registry"));
  record_event(context->audit_log.get(), "revoke", options.uid, replaced->serial_hex,
               audit::kSuccess, "superseded");
  std::cout << "  revoked previous certificate " << pki::serial_hex_octets(replaced->serial_hex)
            << " (superseded)\n";
  return Status::ok_status();
}

struct InitTokenOptions {
  TokenOptions token;
  std::string label;
  std::optional<fs::path> so_pin_file;
};

Status init_token(const InitTokenOptions& options) {
  auto so_pin = p11::Pin::read(options.so_pin_file, kCardSoPinVariable);
  auto pin = p11::Pin::read(options.token.pin_file, kCardPinVariable);
  if (!so_pin.ok() || !pin.ok()) {
    return !so_pin.ok() ? so_pin.status() : pin.status();
  }
  auto module = load_module(options.token);
  if (!module.ok()) {
    return module.status();
  }
  auto token = p11::initialize_token(*module, options.label, *so_pin, *pin);
  if (!token.ok()) {
    return token.status();
  }
  std::cout << "initialised token '" << token->label << "' (serial " << token->serial << ") in "
            << options.token.data_dir.string() << "\n";
  return Status::ok_status();
}

struct UnlockOptions {
  TokenOptions token;
  std::optional<fs::path> so_pin_file;
  std::optional<fs::path> new_pin_file;
};

// Records card.unlock. The subject is the uid of the card on the token, or the token label
// when it contains no card or several. The certificate labels are read without a login.
void record_unlock(audit::AuditLog* log, p11::Module& module, const p11::TokenSelector& selector,
                   const std::string& outcome) {
  if (log == nullptr) {
    return;
  }
  audit::Event event;
  event.type = "card.unlock";
  event.actor = kActor;
  event.outcome = outcome;
  event.client = "local";
  event.subject = selector.describe();
  auto contents = p11::read_token(module, selector, std::nullopt);
  if (contents.ok()) {
    nlohmann::json holders = nlohmann::json::array();
    for (const p11::ObjectInfo& object : contents->objects) {
      if (object.object_class == p11::ObjectClass::kCertificate) {
        holders.push_back(object.label);
      }
    }
    event.subject = holders.size() == 1 ? holders[0].get<std::string>() : contents->token.label;
    event.details["token_label"] = contents->token.label;
    event.details["token_serial"] = contents->token.serial;
    event.details["card_labels"] = std::move(holders);
  }
  log->record(std::move(event));
}

Status unlock(const UnlockOptions& options) {
  auto so_pin = p11::Pin::read(options.so_pin_file, kCardSoPinVariable);
  auto new_pin = p11::Pin::read(options.new_pin_file, kNewPinVariable);
  if (!so_pin.ok() || !new_pin.ok()) {
    return !so_pin.ok() ? so_pin.status() : new_pin.status();
  }
  auto audit_log = open_audit(options.token.data_dir);
  if (!audit_log.ok()) {
    return audit_log.status().with_context("audit trail");
  }
  auto module = load_module(options.token);
  if (!module.ok()) {
    return module.status();
  }
  Status reset = p11::reset_user_pin(*module, options.token.token, *so_pin, *new_pin);
  record_unlock(audit_log->get(), *module, options.token.token, reset.ok() ? audit::kSuccess : audit::kFailure);
  CAREID_RETURN_IF_ERROR(reset);
  std::cout << "set a new user PIN on " << options.token.token.describe() << "\n";
  return Status::ok_status();
}

void print_object(const p11::ObjectInfo& object, const p11::TokenContents& contents) {
  std::cout << "  " << p11::object_class_name(object.object_class) << "  label '" << object.label
            << "'  id " << pki::hex_encode(object.id);
  if (!object.key_type.empty()) {
    std::cout << "  " << object.key_type;
  }
  if (object.object_class == p11::ObjectClass::kPrivateKey) {
    std::cout << (object.sensitive ? "  sensitive" : "  NOT sensitive")
              << (object.extractable ? "  EXTRACTABLE" : "  not extractable")
              << (object.never_extractable ? "  never extractable" : "");
  }
  for (const auto& [handle, certificate] : contents.certificates) {
    auto info = certificate.info();
    if (handle == object.handle && info.ok()) {
      std::cout << "\n      " << info->subject << "  serial " << pki::serial_hex_octets(info->serial_hex) << "  "
                << info->key_type;
    }
  }
  std::cout << "\n";
}

Status show(const TokenOptions& options) {
  std::optional<p11::Pin> pin;
  if (options.pin_file.has_value() || std::getenv(kCardPinVariable) != nullptr) {
    auto read = p11::Pin::read(options.pin_file, kCardPinVariable);
    if (!read.ok()) {
      return read.status();
    }
    pin.emplace(std::move(*read));
  }
  auto module = load_module(options);
  if (!module.ok()) {
    return module.status();
  }
  auto contents = p11::read_token(*module, options.token, pin);
  if (!contents.ok()) {
    return contents.status();
  }

  const p11::TokenInfo& token = contents->token;
  std::cout << "token '" << token.label << "' serial " << token.serial << " (" << token.manufacturer
            << " " << token.model << ")" << (token.user_pin_locked ? ", user PIN locked" : "")
            << (token.user_pin_count_low ? ", a wrong user PIN was entered" : "") << "\n"
            << contents->objects.size() << " objects"
            << (pin.has_value() ? "" : " (public only: give a PIN to list private keys)") << "\n";
  for (const p11::ObjectInfo& object : contents->objects) {
    print_object(object, *contents);
  }
  return Status::ok_status();
}

}  // namespace

void add_card_commands(CLI::App& app, int& exit_code) {
  CLI::App* card = command_group(app, "card", "Smartcards on PKCS#11 tokens");
  const std::string pin_help = std::string("File (mode 0600) holding the user PIN; default: $") + kCardPinVariable;
  const std::string so_pin_help = std::string("File (mode 0600) holding the SO PIN; default: $") + kCardSoPinVariable;

  static InitTokenOptions init_options;
  auto* init = card->add_subcommand("init-token", "Initialise a token: label, SO PIN and user PIN");
  add_token_options(init, init_options.token, false);
  init->add_option("--label", init_options.label, "Label of the new token (1 to 32 bytes)")->required();
  init->add_option("--so-pin-file", init_options.so_pin_file, so_pin_help);
  init->add_option("--pin-file", init_options.token.pin_file, pin_help);
  init->callback([&exit_code] {
    Status status = init_token(init_options);
    exit_code = status.ok() ? 0 : fail(status);
  });

  static IssueOptions issue_options;
  static IssueOptions renew_options;
  for (auto [options, name, help] :
       {std::tuple{&issue_options, "issue", "Generate a card key on the token and certify it"},
        std::tuple{&renew_options, "renew", "Replace the token's card (new key and certificate)"}}) {
    auto* command = card->add_subcommand(name, help);
    add_token_options(command, options->token, true);
    command->add_option("--uid", options->uid, "The holder's 12-digit uid (the objects' label)")->required();
    command->add_option("--pin-file", options->token.pin_file, pin_help);
    command->add_option("--key-type", options->key_type, "Card key: ecdsa (P-256) or rsa (RSA-2048)")
        ->transform(CLI::CheckedTransformer(kCardKeyTypes, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
    const bool is_issue = options == &issue_options;
    command->callback([&exit_code, options, is_issue] {
      Status status = is_issue ? issue(*options) : renew(*options);
      exit_code = status.ok() ? 0 : fail(status);
    });
  }

  static UnlockOptions unlock_options;
  auto* unlock_command = card->add_subcommand("unlock", "Set a new user PIN with the SO PIN");
  add_token_options(unlock_command, unlock_options.token, true);
  unlock_command->add_option("--so-pin-file", unlock_options.so_pin_file, so_pin_help);
  unlock_command->add_option("--new-pin-file", unlock_options.new_pin_file,
                             std::string("File (mode 0600) holding the new user PIN; default: $") +
                                 kNewPinVariable);
  unlock_command->callback([&exit_code] {
    Status status = unlock(unlock_options);
    exit_code = status.ok() ? 0 : fail(status);
  });

  static TokenOptions show_options;
  auto* show_command = card->add_subcommand("show", "List the token's keys and certificates");
  add_token_options(show_command, show_options, true);
  show_command->add_option("--pin-file", show_options.pin_file, pin_help + " (optional)");
  show_command->callback([&exit_code] {
    Status status = show(show_options);
    exit_code = status.ok() ? 0 : fail(status);
  });
}

}  // namespace careid::careidctl
