#include "provisioning/person_card.h"

#include "audit/audit_log.h"
#include "base/config.h"
#include "directory/engine/open_directory.h"
#include "pki/layout.h"
#include "provisioning/demo_setup.h"
#include "provisioning/workforce.h"

#ifndef CAREID_SCHEMA_DIR
#define CAREID_SCHEMA_DIR "schemas"
#endif

namespace careid::provisioning {
namespace {

namespace fs = std::filesystem;

// The directory is closed again before the card is issued.
Status check_person_exists(const Config& config, std::string_view uid) {
  auto directory = directory::engine::open_directory(config, CAREID_SCHEMA_DIR);
  if (!directory.ok()) {
    return directory.status();
  }
  auto person = (*directory)->read_entry(person_dn(uid));
  if (!person.ok()) {
    return person.status();
  }
  if (!person->has_value()) {
    return Status::not_found("no person with uid " + std::string(uid) + " in the directory of " +
                             config.data_dir.string() +
                             "; register them first with careidctl person register or intake");
  }
  return Status::ok_status();
}

Status record_issue(const Config& config, std::string_view uid, const std::string& serial_hex) {
  if (config.audit.file.empty()) {
    return Status::ok_status();
  }
  auto log = audit::open_audit_log(config.audit);
  if (!log.ok()) {
    return log.status().with_context("audit trail");
  }
  audit::record_card_event(**log, audit::CardEvent{"issue", "careidctl", std::string(uid), serial_hex});
  return (*log)->close();
}

}  // namespace

Result<PersonCard> issue_person_card(const fs::path& data_dir, std::string_view uid,
                                     std::string_view pkcs12_password, pki::KeyType key_type) {
  fs::path config_file = data_dir / "careid.toml";
  if (!fs::exists(config_file)) {
    return Status::failed_precondition(data_dir.string() + " has no careid.toml, so uid " + std::string(uid) +
                                       " cannot be checked against its directory; set the folder up with "
                                       "careidctl demo setup");
  }
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  CAREID_RETURN_IF_ERROR(check_person_exists(*config, uid));

  auto certificate = issue_card(data_dir, uid, pkcs12_password, key_type);
  if (!certificate.ok()) {
    return certificate.status();
  }
  auto info = certificate->info();
  if (!info.ok()) {
    return info.status();
  }
  CAREID_RETURN_IF_ERROR(record_issue(*config, uid, info->serial_hex));

  pki::PkiLayout layout(data_dir);
  return PersonCard{std::move(*info), *layout.card_certificate(uid), *layout.card_key(uid), *layout.card_pkcs12(uid)};
}

}  // namespace careid::provisioning
