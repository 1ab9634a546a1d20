// careidctl user totp-enrol|password-login: the optional password + TOTP login of one
// person (federation/sso/password_login.h). Both write the person's entry in the data
// folder's directory store as the root DN and record an audit event. careidd reads the
// change at the next login.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "base/config.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "federation/sso/card_login.h"
#include "federation/sso/totp.h"
#include "pki/digest.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {
namespace {

namespace fs = std::filesystem;
namespace protocol = directory::protocol;

constexpr const char* kPasswordLoginClass = "careidPasswordLogin";

// Finds the DN of the nhsPerson `uid`; kNotFound names the uid.
Result<std::string> person_dn(const directory::engine::Directory& directory, const Config& config,
                              const std::string& uid) {
  if (!federation::sso::is_nhs_uid(uid)) {
    return Status::invalid_argument("--uid " + uid + " is not a 12-digit user id");
  }
  auto entries = directory.find("ou=People," + config.ldap.suffix, false,
                                "(&(objectClass=nhsPerson)(uid=" + uid + "))");
  if (!entries.ok()) {
    return entries.status();
  }
  if (entries->size() != 1) {
    return Status::not_found("no person with uid " + uid + " under ou=People," + config.ldap.suffix);
  }
  return entries->front().dn;
}

// Replaces `attribute` of the entry `dn` with `value`, adding the auxiliary class first
// when the entry lacks it.
Status replace_value(directory::engine::Directory& directory, const std::string& dn,
                     const std::string& attribute, const std::string& value) {
  directory::engine::Identity root;
  root.is_root = true;

  auto entry = directory.read_entry(dn);
  if (!entry.ok()) {
    return entry.status();
  }
  protocol::ModifyRequest request;
  request.object = dn;
  const directory::Attribute* classes = entry->has_value() ? (*entry)->find("objectClass") : nullptr;
  bool has_class = false;
  for (const std::string& name : classes == nullptr ? std::vector<std::string>{} : classes->values) {
    has_class = has_class || name == kPasswordLoginClass;
  }
  if (!has_class) {
    request.changes.push_back({protocol::ModifyOperation::kAdd, {"objectClass", {kPasswordLoginClass}}});
  }
  request.changes.push_back({protocol::ModifyOperation::kReplace, {attribute, {value}}});

  protocol::LdapResult result = directory.modify(request, root);
  if (result.result_code != directory::ResultCode::kSuccess) {
    return Status::failed_precondition("changing " + attribute + " of " + dn + " failed: " +
                                       result.diagnostic_message);
  }
  return Status::ok_status();
}

Status record_event(const Config& config, const std::string& type, const std::string& uid,
                    nlohmann::json details) {
  if (config.audit.file.empty()) {
    return Status::ok_status();
  }
  auto log = audit::open_audit_log(config.audit);
  if (!log.ok()) {
    return log.status().with_context("audit trail");
  }
  audit::Event event;
  event.type = type;
  event.actor = "careidctl";
  event.subject = uid;
  event.client = "local";
  event.details = std::move(details);
  (*log)->record(std::move(event));
  return (*log)->flush();
}

// The directory of the data folder that `config_file` configures, and the DN of one person.
struct PersonEntry {
  Config config;
  std::unique_ptr<directory::engine::Directory> directory;
  std::string dn;
};

Result<PersonEntry> open_person(const fs::path& config_file, const std::string& uid) {
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  auto directory = directory::engine::open_directory(*config, careid::shipped_schema_folder());
  if (!directory.ok()) {
    return directory.status();
  }
  Result<std::string> dn = person_dn(**directory, *config, uid);
  if (!dn.ok()) {
    return dn.status();
  }
  return PersonEntry{std::move(*config), std::move(*directory), std::move(*dn)};
}

// Generates a new secret, stores it and prints the otpauth:// URI. The URI is printed once
// and never logged or audited, because it contains the secret.
Status enrol(const fs::path& config_file, const std::string& uid, const std::string& issuer) {
  Result<PersonEntry> person = open_person(config_file, uid);
  if (!person.ok()) {
    return person.status();
  }

  Result<pki::Bytes> secret = pki::random_bytes(federation::sso::kTotpSecretBytes);
  if (!secret.ok()) {
    return secret.status();
  }
  CAREID_RETURN_IF_ERROR(
      replace_value(*person->directory, person->dn, "careidTotpSecret", pki::to_string(*secret)));
  CAREID_RETURN_IF_ERROR(record_event(person->config, "user.totp_enrol", uid, {{"dn", person->dn}}));
  std::cout << federation::sso::totp_uri(issuer, uid, *secret) << "\n";
  return Status::ok_status();
}

Status set_allowed(const fs::path& config_file, const std::string& uid, bool allowed) {
  Result<PersonEntry> person = open_person(config_file, uid);
  if (!person.ok()) {
    return person.status();
  }
  CAREID_RETURN_IF_ERROR(replace_value(*person->directory, person->dn, "careidPasswordLoginAllowed",
                                       allowed ? "TRUE" : "FALSE"));
  CAREID_RETURN_IF_ERROR(record_event(person->config, "user.password_login", uid,
                                      {{"dn", person->dn}, {"allowed", allowed}}));
  std::cout << "password + TOTP login " << (allowed ? "allowed" : "denied") << " for " << uid << "\n";
  return Status::ok_status();
}

void report(const Status& status, int& exit_code) {
  if (!status.ok()) {
    std::cerr << "careidctl: " << status.message() << "\n";
  }
  exit_code = status.ok() ? 0 : 1;
}

}  // namespace

void add_user_commands(CLI::App& app, int& exit_code) {
  auto* user = app.add_subcommand("user", "The password + TOTP login of one person")->require_subcommand(1);

  static fs::path config;
  static std::string uid;
  static std::string issuer = "careid";
  auto* enrol_command = user->add_subcommand(
      "totp-enrol", "Store a new TOTP secret for the person and print its otpauth:// URI once");
  enrol_command->add_option("--config", config, "careid.toml of the data folder")->required()->check(CLI::ExistingFile);
  enrol_command->add_option("--uid", uid, "12-digit user id of the person")->required();
  enrol_command->add_option("--issuer", issuer, "Issuer name that authenticator apps show")->capture_default_str();
  enrol_command->callback([&] { report(enrol(config, uid, issuer), exit_code); });

  static bool allow = false;
  static bool deny = false;
  auto* allow_command = user->add_subcommand(
      "password-login", "Allow or deny the person the password + TOTP login (AAL2)");
  allow_command->add_option("--config", config, "careid.toml of the data folder")->required()->check(CLI::ExistingFile);
  allow_command->add_option("--uid", uid, "12-digit user id of the person")->required();
  auto* allow_flag = allow_command->add_flag("--allow", allow, "Allow the login");
  auto* deny_flag = allow_command->add_flag("--deny", deny, "Deny the login");
  allow_flag->excludes(deny_flag);
  allow_command->callback([&] {
    if (allow == deny) {
      report(Status::invalid_argument("give exactly one of --allow and --deny"), exit_code);
      return;
    }
    report(set_allowed(config, uid, allow), exit_code);
  });
}

}  // namespace careid::careidctl
