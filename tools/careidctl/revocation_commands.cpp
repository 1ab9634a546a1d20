// careidctl card revoke|suspend|resume|status and careidctl pki crl: the card registry of a
// data folder (pki/registry/) and the CRL the card CA publishes from it. careidd may run at
// the same time; it picks the change up within pki.revocation_refresh_seconds.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

#include "audit/audit_log.h"
#include "base/config.h"
#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/crl.h"
#include "pki/layout.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr const char* kActor = "careidctl";

int fail(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

// Reads <data>/careid.toml when it exists; the defaults otherwise.
Result<Config> data_config(const fs::path& data_dir) {
  fs::path file = data_dir / "careid.toml";
  if (!fs::exists(file)) {
    return default_config(data_dir);
  }
  return load_config(file);
}

Result<std::unique_ptr<pki::CardRegistry>> open_registry(const fs::path& data_dir) {
  pki::PkiLayout layout(data_dir);
  if (!fs::exists(layout.card_ca_certificate())) {
    return Status::not_found("no card CA in " + layout.dir().string() +
                             "; give the data folder that careidctl demo setup or pki init created");
  }
  return pki::CardRegistry::open(layout.card_registry_dir());
}

std::string format_time(Clock::time_point time) {
  std::time_t seconds = Clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::ostringstream out;
  out << std::put_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

std::string describe(const pki::CardStatus& status) {
  std::string text(pki::card_state_name(status.state));
  if (status.state == pki::CardState::kRevoked || status.state == pki::CardState::kOnHold) {
    text += " (" + std::string(pki::revocation_reason_name(status.reason));
    if (status.revoked_at.has_value()) {
      text += ", since " + format_time(*status.revoked_at);
    }
    text += ")";
  }
  return text;
}

void print_card(const pki::CardRecord& card) {
  std::cout << pki::serial_hex_octets(card.serial_hex) << "  uid " << card.uid << "  " << describe(card.status) << "\n"
            << "  subject " << card.subject << ", valid " << format_time(card.not_before) << " to "
            << format_time(card.not_after)
            << (card.token_serial.empty() ? std::string() : ", token " + card.token_serial) << "\n";
}

// Records a card event in the data folder's audit trail when its config names one.
Status record_card_event(const fs::path& data_dir, const pki::CardRecord& card, std::string action,
                         std::string reason) {
  auto config = data_config(data_dir);
  if (!config.ok()) {
    return config.status();
  }
  if (config->audit.file.empty() || !fs::exists(data_dir / "careid.toml")) {
    return Status::ok_status();
  }
  auto log = audit::open_audit_log(config->audit);
  if (!log.ok()) {
    return log.status().with_context("audit trail");
  }
  audit::CardEvent event;
  event.action = std::move(action);
  event.actor = kActor;
  event.uid = card.uid;
  event.serial = card.serial_hex;
  event.reason = std::move(reason);
  audit::record_card_event(**log, event);
  return (*log)->flush();
}

struct ChangeOptions {
  fs::path data_dir;
  std::string serial;
  std::string reason = "unspecified";
};

enum class Change { kRevoke, kSuspend, kResume };

Status change_card(const ChangeOptions& options, Change change) {
  auto registry = open_registry(options.data_dir);
  if (!registry.ok()) {
    return registry.status();
  }
  std::string action;
  std::string reason;
  Status status;
  switch (change) {
    case Change::kRevoke: {
      auto parsed = pki::parse_revocation_reason(options.reason);
      if (!parsed.ok()) {
        return parsed.status();
      }
      action = "revoke";
      reason = std::string(pki::revocation_reason_name(*parsed));
      status = (*registry)->revoke(options.serial, *parsed, Clock::now());
      break;
    }
    case Change::kSuspend:
      action = "suspend";
      reason = "certificateHold";
      status = (*registry)->suspend(options.serial, Clock::now());
      break;
    case Change::kResume:
      action = "resume";
      status = (*registry)->resume(options.serial);
      break;
  }
  CAREID_RETURN_IF_ERROR(status);

  auto card = (*registry)->find(options.serial);
  if (!card.ok()) {
    return card.status();
  }
  print_card(*card);
  CAREID_RETURN_IF_ERROR(record_card_event(options.data_dir, *card, action, reason));
  std::cout << "careidd applies this to card logins within [pki] revocation_refresh_seconds; "
               "run `careidctl pki crl` to publish a CRL now\n";
  return Status::ok_status();
}

struct StatusOptions {
  fs::path data_dir;
  std::string serial;
  std::string uid;
};

Status show_status(const StatusOptions& options) {
  auto registry = open_registry(options.data_dir);
  if (!registry.ok()) {
    return registry.status();
  }
  if (!options.serial.empty()) {
    auto card = (*registry)->find(options.serial);
    if (!card.ok()) {
      return card.status();
    }
    print_card(*card);
    return Status::ok_status();
  }
  auto cards = (*registry)->cards_of(options.uid);
  if (!cards.ok()) {
    return cards.status();
  }
  if (cards->empty()) {
    return Status::not_found("no cards recorded for uid " + options.uid);
  }
  for (const auto& card : *cards) {
    print_card(card);
  }
  return Status::ok_status();
}

struct CrlCommandOptions {
  fs::path data_dir;
  std::optional<std::uint32_t> validity_seconds;
};

Status publish(const CrlCommandOptions& options) {
  auto config = data_config(options.data_dir);
  if (!config.ok()) {
    return config.status();
  }
  pki::PkiLayout layout(options.data_dir);
  auto ca = pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status().with_context("card CA of " + options.data_dir.string());
  }
  auto registry = open_registry(options.data_dir);
  if (!registry.ok()) {
    return registry.status();
  }
  pki::CrlOptions crl_options;
  crl_options.validity = std::chrono::seconds(options.validity_seconds.value_or(config->pki.crl_validity_seconds));
  auto crl = pki::publish_crl(*ca, **registry, layout, crl_options);
  if (!crl.ok()) {
    return crl.status();
  }
  std::cout << "CRL number " << crl->number << " with " << crl->entries << " entries, next update "
            << format_time(crl->next_update) << "\n"
            << "  " << layout.crl_der().string() << "\n"
            << "  " << layout.crl_pem().string() << "\n";
  return Status::ok_status();
}

}  // namespace

void add_revocation_commands(CLI::App& app, int& exit_code) {
  CLI::App* card = command_group(app, "card", "Smartcards on PKCS#11 tokens");

  static ChangeOptions revoke_options;
  auto* revoke = card->add_subcommand("revoke", "Revoke a card for good (RFC 5280 reason)");
  revoke->add_option("--data", revoke_options.data_dir, "Data folder")->required();
  revoke->add_option("--serial", revoke_options.serial, "Certificate serial number in hex")->required();
  revoke->add_option("--reason", revoke_options.reason,
                     "keyCompromise, affiliationChanged, superseded, cessationOfOperation, "
                     "privilegeWithdrawn, cACompromise, aACompromise or unspecified")
      ->capture_default_str();
  revoke->callback([&exit_code] {
    Status status = change_card(revoke_options, Change::kRevoke);
    exit_code = status.ok() ? 0 : fail(status);
  });

  static ChangeOptions suspend_options;
  static ChangeOptions resume_options;
  for (auto [options, name, help, change] :
       {std::tuple{&suspend_options, "suspend", "Put a card on hold (certificateHold)", Change::kSuspend},
        std::tuple{&resume_options, "resume", "Take a card off hold", Change::kResume}}) {
    auto* command = card->add_subcommand(name, help);
    command->add_option("--data", options->data_dir, "Data folder")->required();
    command->add_option("--serial", options->serial, "Certificate serial number in hex")->required();
    command->callback([&exit_code, options, change] {
      Status status = change_card(*options, change);
      exit_code = status.ok() ? 0 : fail(status);
    });
  }

  static StatusOptions status_options;
  auto* status = card->add_subcommand("status", "Show recorded cards and their revocation state");
  status->add_option("--data", status_options.data_dir, "Data folder")->required();
  auto* serial = status->add_option("--serial", status_options.serial, "Certificate serial number in hex");
  auto* uid = status->add_option("--uid", status_options.uid, "The holder's 12-digit uid");
  serial->excludes(uid);
  status->callback([&exit_code] {
    if (status_options.serial.empty() && status_options.uid.empty()) {
      exit_code = fail(Status::invalid_argument("card status needs --serial or --uid"));
      return;
    }
    Status shown = show_status(status_options);
    exit_code = shown.ok() ? 0 : fail(shown);
  });

  CLI::App* pki_group = command_group(app, "pki", "Card authority files of a data folder");
  static CrlCommandOptions crl_options;
  auto* crl = pki_group->add_subcommand("crl", "Write pki/crl.der and pki/crl.pem, signed by the card CA");
  crl->add_option("--data", crl_options.data_dir, "Data folder")->required();
  crl->add_option("--validity-seconds", crl_options.validity_seconds,
                  "Seconds until nextUpdate; default [pki] crl_validity_seconds of careid.toml (7 days)");
  crl->callback([&exit_code] {
    Status published = publish(crl_options);
    exit_code = published.ok() ? 0 : fail(published);
  });
}

}  // namespace careid::careidctl
