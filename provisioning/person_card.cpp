#include "provisioning/person_card.h"

#include "audit/audit_log.h"
#include "base/config.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "pki/layout.h"
#include "provisioning/demo_setup.h"
#include "provisioning/workforce.h"

namespace careid::provisioning {
namespace {

namespace fs = std::filesystem;

// The directory is closed again before the card is issued.
Status check_person_exists(const Config& config, std::string_view uid) {
  auto directory = directory::engine::open_directory(config, careid::shipped_schema_folder());
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

// Adds the DER certificate to the person's userCertificate;binary as the root DN.
Status store_certificate(const Config& config, std::string_view uid, const pki::Certificate& certificate) {
  auto der = certificate.to_der();
  if (!der.ok()) {
    return der.status();
  }
  auto directory = directory::engine::open_directory(config, careid::shipped_schema_folder());
  if (!directory.ok()) {
    return directory.status();
  }
  directory::protocol::ModifyRequest request;
  request.object = person_dn(uid);
  request.changes.push_back(
      {directory::protocol::ModifyOperation::kAdd,
       {"userCertificate;binary", {std::string(reinterpret_cast<const char*>(der->data()), der->size())}}});
  directory::engine::Identity root;
  root.is_root = true;
  directory::protocol::LdapResult result = (*directory)->modify(request, root);
  if (result.result_code != directory::ResultCode::kSuccess) {
    return Status::failed_precondition("storing the certificate in userCertificate;binary of " + request.object +
                                       " failed: " + result.diagnostic_message);
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
  audit::record_card_event(**log, audit::CardEvent{.action = "issue", .actor = "careidctl", .uid = std::string(uid), .serial = serial_hex});
  return (*log)->close();
}

}  // namespace

Result<PersonCard> issue_person_card(const fs::path& data_dir, std::string_view uid,
                                     const PersonCardOptions& options) {
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

  auto certificate = issue_card(data_dir, uid, options.pkcs12_password, options.key_type, {}, options.alt_names);
  if (!certificate.ok()) {
    return certificate.status();
  }
  if (options.store_certificate) {
    CAREID_RETURN_IF_ERROR(store_certificate(*config, uid, *certificate));
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
