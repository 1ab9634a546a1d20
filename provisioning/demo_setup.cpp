#include "provisioning/demo_setup.h"

#include <chrono>
#include <fstream>

#include "audit/audit_log.h"
#include "base/config.h"
#include "pki/card_registry.h"
#include "pki/crl.h"
#include "directory/access/policy.h"
#include "directory/auth/password.h"
#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"
#include "pki/ca.h"
#include "pki/encoding.h"
#include "pki/digest.h"
#include "pki/files.h"
#include "pki/layout.h"
#include "pki/pkcs12.h"
#include "pki/saml_signing.h"
#include "provisioning/directory_loading.h"

namespace careid::provisioning {
namespace {

namespace fs = std::filesystem;

Status write_certified_key(const pki::CertifiedKey& item, const fs::path& certificate, const fs::path& key) {
  auto pem = item.certificate.to_pem();
  if (!pem.ok()) {
    return pem.status();
  }
  CAREID_RETURN_IF_ERROR(pki::write_public_file(certificate, *pem));
  return item.key.write_pem_file(key);
}

// A random password of 24 URL-safe characters for the directory administrator.
Result<std::string> new_admin_password() {
  auto bytes = pki::random_bytes(18);
  if (!bytes.ok()) {
    return bytes.status();
  }
  std::string text = pki::base64_encode(*bytes);
  for (char& c : text) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return text;
}

// Argon2id at 19 MiB and 2 passes: the OWASP minimum, so that a bind takes tens of
// milliseconds rather than the 0.4 s of the library default on a small machine.
Result<std::string> hash_admin_password(std::string_view password) {
  directory::auth::Argon2Params params;
  params.memory_kib = 19 * 1024;
  params.iterations = 2;
  return directory::auth::hash_password(directory::auth::PasswordScheme::kArgon2, password, params);
}

// Creates `folder` with mode 0700, as docs/operations.md lays out the data folder.
Status create_private_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (!error) {
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, error);
  }
  if (error) {
    return Status::io_error("cannot create " + folder.string() + " with mode 0700: " + error.message());
  }
  return Status::ok_status();
}

Status copy_sp_metadata(const fs::path& data_dir, const std::vector<fs::path>& files) {
  fs::path folder = data_dir / "sp-metadata";
  CAREID_RETURN_IF_ERROR(create_private_folder(folder));

  std::error_code error;
  for (const fs::path& file : files) {
    fs::copy_file(file, folder / file.filename(), fs::copy_options::overwrite_existing, error);
    if (error) {
      return Status::io_error("cannot copy SP metadata " + file.string() + ": " + error.message());
    }
  }
  return Status::ok_status();
}

// The default policy, for the operator to adapt; careidd reads it at start-up.
Status write_access_policy(const fs::path& path) {
  std::ofstream out(path);
  out << directory::access::default_policy_text();
  out.close();
  if (!out) {
    return Status::io_error("cannot write the access policy " + path.string());
  }
  return Status::ok_status();
}

}  // namespace

Status write_config_file(const fs::path& path, const fs::path& schema_dir, std::uint16_t ldap_port,
                         std::uint16_t https_port, const std::string& root_password_hash) {
  if (fs::exists(path)) {
    return Status::already_exists(path.string() + " exists; remove it or use another data folder");
  }
  std::ofstream out(path);
  out << "# careidd configuration written by 'careidctl demo setup'. Relative paths are\n"
      << "# resolved against this file's folder (data_dir) and then against data_dir.\n"
      << "data_dir = \".\"\n"
      << "schema_dir = \"" << fs::absolute(schema_dir).string() << "\"\n"
      << "map_size_mib = 16384\n"
      << "log_level = \"info\"\n\n"
      << "[ldap]\n"
      << "listen_address = \"127.0.0.1\"\n"
      << "port = " << ldap_port << "\n"
      << "suffix = \"o=nhs\"\n"
      << "root_dn = \"cn=admin,o=nhs\"\n"
      << "root_password_hash = \"" << root_password_hash << "\"\n"
      << "# StartTLS and LDAPS use the HTTPS server certificate; SASL EXTERNAL accepts demo cards.\n"
      << "ldaps_port = 0\n"
      << "tls_certificate = \"pki/server.pem\"\n"
      << "tls_private_key = \"pki/server.key\"\n"
      << "tls_ca = \"pki/card-ca.pem\"\n"
      << "# Who may read and write what (directory/README.md), and the password lockout.\n"
      << "access_policy = \"access.toml\"\n"
      << "lockout_failures = 5\n"
      << "lockout_seconds = 900\n\n"
      << "[https]\n"
      << "listen_address = \"127.0.0.1\"\n"
      << "port = " << https_port << "\n\n"
      << "# The tamper-evident audit trail; careidd creates the HMAC key on first start.\n"
      << "[audit]\n"
      << "file = \"audit/audit.log\"\n"
      << "fsync = \"group\"\n"
      << "group_commit_ms = 10\n"
      << "max_file_mib = 64\n"
      << "hmac_key_file = \"pki/audit-hmac.key\"\n";
  out.close();
  if (!out) {
    return Status::io_error("cannot write " + path.string());
  }
  return Status::ok_status();
}

Status create_pki(const fs::path& data_dir, pki::KeyType ca_key_type, pki::KeyType saml_key_type) {
  pki::PkiLayout layout(data_dir);
  CAREID_RETURN_IF_ERROR(layout.create_directories());

  pki::CaOptions ca_options;
  ca_options.key_type = ca_key_type;
  auto ca_key = pki::create_self_signed_ca(ca_options);
  if (!ca_key.ok()) {
    return ca_key.status();
  }
  CAREID_RETURN_IF_ERROR(write_certified_key(*ca_key, layout.card_ca_certificate(), layout.card_ca_key()));

  auto ca = pki::CertificateAuthority::create(std::move(*ca_key));
  if (!ca.ok()) {
    return ca.status();
  }
  auto server = ca->issue_server_certificate();
  if (!server.ok()) {
    return server.status();
  }
  CAREID_RETURN_IF_ERROR(write_certified_key(*server, layout.server_certificate(), layout.server_key()));

  pki::SamlSigningOptions signing_options;
  signing_options.key_type = saml_key_type;
  auto signing = pki::create_saml_signing_certificate(signing_options);
  if (!signing.ok()) {
    return signing.status();
  }
  return write_certified_key(*signing, layout.saml_signing_certificate(), layout.saml_signing_key());
}

Status create_oidc_signing_key(const fs::path& data_dir, pki::KeyType key_type) {
  auto key = pki::PrivateKey::generate(key_type);
  if (!key.ok()) {
    return key.status();
  }
  return key->write_pem_file(pki::PkiLayout(data_dir).oidc_signing_key());
}

namespace {

Result<pki::RevocationUrls> revocation_urls(const fs::path& data_dir, std::string_view public_url) {
  if (!public_url.empty()) {
    return pki::card_revocation_urls(public_url);
  }
  fs::path config_file = data_dir / "careid.toml";
  if (!fs::exists(config_file)) {
    return pki::RevocationUrls{};
  }
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  return pki::card_revocation_urls(config->pki_public_url());
}

// Appends card.issue for the demo card to the audit trail that `config_file` configures.
Status record_demo_card_issue(const fs::path& config_file, const pki::Certificate& card) {
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  if (config->audit.file.empty()) {
    return Status::ok_status();
  }
  auto info = card.info();
  if (!info.ok()) {
    return info.status();
  }
  auto log = audit::open_audit_log(config->audit);
  if (!log.ok()) {
    return log.status().with_context("audit trail");
  }
  audit::record_card_event(**log, audit::CardEvent{.action = "issue",
                                                   .actor = "careidctl demo setup",
                                                   .uid = std::string(kDemoPersonUid),
                                                   .serial = info->serial_hex});
  return (*log)->close();
}

}  // namespace

Result<pki::Certificate> issue_card(const fs::path& data_dir, std::string_view uid, std::string_view pkcs12_password,
                                    pki::KeyType key_type, std::string_view public_url, const CardAltNames& alt_names) {
  pki::PkiLayout layout(data_dir);
  auto ca = pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status();
  }
  pki::CardCertificateOptions card_options;
  card_options.key_type = key_type;
  auto urls = revocation_urls(data_dir, public_url);
  if (!urls.ok()) {
    return urls.status();
  }
  card_options.crl_url = urls->crl_url;
  card_options.ocsp_url = urls->ocsp_url;
  card_options.san_emails = alt_names.emails;
  card_options.san_upns = alt_names.upns;
  auto registry = pki::CardRegistry::open(layout.card_registry_dir());
  if (!registry.ok()) {
    return registry.status();
  }
  auto card = ca->issue_card_certificate(uid, card_options);
  if (!card.ok()) {
    return card.status();
  }
  auto certificate = layout.card_certificate(uid);
  auto key = layout.card_key(uid);
  auto bundle_path = layout.card_pkcs12(uid);
  if (!certificate.ok() || !key.ok() || !bundle_path.ok()) {
    return Status::invalid_argument("invalid uid '" + std::string(uid) + "': expected 12 digits");
  }
  CAREID_RETURN_IF_ERROR(write_certified_key(*card, *certificate, *key));
  CAREID_RETURN_IF_ERROR((*registry)->record_issued(card->certificate, uid, "").with_context("card registry"));

  auto bundle = pki::export_pkcs12(*card, pkcs12_password, std::string(uid), &ca->certificate());
  if (!bundle.ok()) {
    return bundle.status();
  }
  CAREID_RETURN_IF_ERROR(pki::write_private_file(
      *bundle_path, std::string_view(reinterpret_cast<const char*>(bundle->data()), bundle->size())));
  return card->certificate;
}

Result<DemoSetupResult> set_up_demo(const DemoSetupOptions& options) {
  const fs::path& data = options.data_dir;
  DemoSetupResult result;
  result.config_file = data / "careid.toml";
  if (fs::exists(result.config_file)) {
    return Status::already_exists(data.string() + " is already a careid data folder; remove it to start again");
  }
  CAREID_RETURN_IF_ERROR(create_private_folder(data));
  CAREID_RETURN_IF_ERROR(create_private_folder(data / "oidc-clients"));

  CAREID_RETURN_IF_ERROR(create_pki(data, options.card_key_type, options.saml_key_type));
  CAREID_RETURN_IF_ERROR(create_oidc_signing_key(data, options.oidc_key_type));
  // The demo config (written below) serves HTTPS on 127.0.0.1 at https_port.
  const std::string public_url = "https://127.0.0.1:" + std::to_string(options.https_port);
  auto demo_card = issue_card(data, kDemoPersonUid, options.card_pkcs12_password, options.card_key_type, public_url);
  if (!demo_card.ok()) {
    return demo_card.status();
  }
  CAREID_RETURN_IF_ERROR(copy_sp_metadata(data, options.sp_metadata_files));

  auto password = new_admin_password();
  auto hash = password.ok() ? hash_admin_password(*password) : Result<std::string>(password.status());
  if (!hash.ok()) {
    return hash.status();
  }
  result.admin_password_file = data / "admin-password";
  // No trailing newline: ldapsearch -y sends the whole file as the password.
  CAREID_RETURN_IF_ERROR(pki::write_private_file(result.admin_password_file, *password));
  CAREID_RETURN_IF_ERROR(write_config_file(result.config_file, options.schema_dir, options.ldap_port,
                                           options.https_port, *hash));
  CAREID_RETURN_IF_ERROR(write_access_policy(data / "access.toml"));
  // The card was issued before careid.toml named the audit trail, so it is recorded now.
  CAREID_RETURN_IF_ERROR(record_demo_card_issue(result.config_file, *demo_card));

  auto started = std::chrono::steady_clock::now();
  auto loaded = load_demo_directory(result.config_file, options.reference_dir, options.people);
  if (!loaded.ok()) {
    return loaded.status();
  }
  result.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.directory = std::move(*loaded);

  pki::PkiLayout layout(data);
  result.card_certificate = *layout.card_certificate(kDemoPersonUid);
  result.card_key = *layout.card_key(kDemoPersonUid);
  result.card_pkcs12 = *layout.card_pkcs12(kDemoPersonUid);
  result.server_ca = layout.card_ca_certificate();
  return result;
}

}  // namespace careid::provisioning
