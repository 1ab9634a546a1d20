// careidctl: careid's provisioning and admin command line. Each subcommand is a thin
// wrapper over the provisioning library; run `careidctl --help` for the list.
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "base/shipped_files.h"
#include "directory/auth/password.h"
#include "provisioning/demo_setup.h"
#include "provisioning/directory_loading.h"
#include "provisioning/person_card.h"
#include "pki/card_registry.h"
#include "provisioning/workforce.h"
#include "sus/cli/commands.h"
#include "tools/careidctl/commands.h"

namespace {

namespace fs = std::filesystem;
using namespace careid;

int fail(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

// Accepts "ecdsa" (ECDSA P-256) or "rsa" (RSA-2048) for --key-type.
const std::map<std::string, pki::KeyType> kKeyTypes = {{"ecdsa", pki::KeyType::kEcdsaP256},
                                                       {"rsa", pki::KeyType::kRsa2048}};

void print_demo_summary(const provisioning::DemoSetupResult& result, const provisioning::DemoSetupOptions& options) {
  const auto& d = result.directory;
  std::cout << "careid demo data folder: " << fs::absolute(options.data_dir).string() << "\n"
            << "  directory: " << d.total_entries << " entries loaded in " << result.load_seconds << " s ("
            << d.job_roles << " job roles, " << d.trusts << " trusts, " << d.gp_practices << " GP practices, "
            << d.workforce.people << " people, " << d.workforce.role_profiles << " role profiles)\n"
            << "  config:              " << result.config_file.string() << "\n"
            << "  admin DN:            cn=admin,o=nhs (password in " << result.admin_password_file.string() << ")\n"
            << "  demo card (uid " << provisioning::kDemoPersonUid << "):\n"
            << "    certificate:       " << result.card_certificate.string() << "\n"
            << "    private key:       " << result.card_key.string() << "\n"
            << "    PKCS#12:           " << result.card_pkcs12.string() << " (password '"
            << options.card_pkcs12_password << "')\n"
            << "  HTTPS server CA:     " << result.server_ca.string() << "\n";
}

std::string format_utc(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

void print_person_card(const provisioning::PersonCard& card) {
  std::cout << "issued card " << pki::serial_hex_octets(card.info.serial_hex) << " for " << card.info.subject
            << ", valid until " << format_utc(card.info.not_after) << "\n"
            << "  certificate: " << card.certificate.string() << "\n"
            << "  private key: " << card.key.string() << "\n"
            << "  PKCS#12:     " << card.pkcs12.string() << "\n";
}

void add_demo_commands(CLI::App& app, int& exit_code) {
  auto* demo = app.add_subcommand("demo", "Demo data folders and demo directory data")->require_subcommand(1);

  static provisioning::DemoSetupOptions setup;
  setup.reference_dir = careid::shipped_reference_folder();
  setup.schema_dir = careid::shipped_schema_folder();
  auto* set_up = demo->add_subcommand("setup", "Create a data folder: card CA, demo card, config and loaded directory");
  set_up->add_option("--data", setup.data_dir, "Data folder to create")->required();
  set_up->add_option("--people", setup.people, "Generated people besides the demo person")->capture_default_str();
  set_up->add_option("--ldap-port", setup.ldap_port, "LDAP port written to careid.toml")->capture_default_str();
  set_up->add_option("--https-port", setup.https_port, "HTTPS port written to careid.toml")->capture_default_str();
  set_up->add_option("--sp-metadata", setup.sp_metadata_files, "SAML SP metadata files to trust")->check(CLI::ExistingFile);
  set_up->add_option("--reference-dir", setup.reference_dir, "Folder of the NHS reference files")->capture_default_str();
  set_up->add_option("--key-type", setup.card_key_type, "Card CA and card key: ecdsa (P-256) or rsa (RSA-2048)")
      ->transform(CLI::CheckedTransformer(kKeyTypes, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
  set_up->add_option("--oidc-key-type", setup.oidc_key_type,
                     "OpenID token signing key: ecdsa (P-256, ES256) or rsa (RSA-2048, RS256)")
      ->transform(CLI::CheckedTransformer(kKeyTypes, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
  set_up->add_option("--saml-key-type", setup.saml_key_type,
                     "SAML signing key: rsa (RSA-2048, rsa-sha256, which most providers require) or ecdsa "
                     "(P-256, ecdsa-sha256)")
      ->transform(CLI::CheckedTransformer(kKeyTypes, CLI::ignore_case).description("rsa or ecdsa"))
      ->default_str("rsa");
  set_up->callback([&] {
    auto result = provisioning::set_up_demo(setup);
    exit_code = result.ok() ? 0 : fail(result.status());
    if (result.ok()) {
      print_demo_summary(*result, setup);
    }
  });

  static fs::path ldif_out;
  static std::uint64_t ldif_people = 10'000;
  auto* ldif = demo->add_subcommand("ldif", "Write the demo directory as LDIF (RFC 2849)");
  ldif->add_option("--out", ldif_out, "Output file")->required();
  ldif->add_option("--people", ldif_people, "Generated people besides the demo person")->capture_default_str();
  ldif->callback([&] {
    std::ofstream out(ldif_out);
    auto summary = provisioning::write_demo_ldif(out, careid::shipped_reference_folder(), ldif_people);
    exit_code = summary.ok() ? 0 : fail(summary.status());
    if (summary.ok()) {
      std::cout << "wrote " << summary->total_entries << " entries to " << ldif_out.string() << "\n";
    }
  });
}

void add_load_command(CLI::App& app, int& exit_code) {
  static fs::path config;
  static fs::path ldif;
  static unsigned threads = 0;
  auto* load = app.add_subcommand("load", "Import an LDIF file into a data folder's directory store");
  load->add_option("--config", config, "careid.toml of the data folder")->required()->check(CLI::ExistingFile);
  load->add_option("ldif", ldif, "LDIF file with content records, parents first")->required()->check(CLI::ExistingFile);
  load->add_option("--threads", threads,
                   "Threads of the load: one adds entries to the store, the others parse and check "
                   "them. 0 for one per hardware thread, 1 for a serial load")
      ->check(CLI::Range(0u, 256u))
      ->capture_default_str();
  load->callback([&] {
    auto summary = provisioning::load_ldif(config, ldif, threads);
    exit_code = summary.ok() ? 0 : fail(summary.status());
    if (summary.ok()) {
      std::cout << "added " << summary->added << " entries, skipped " << summary->skipped_existing
                << " that already existed\n";
    }
  });
}

void add_pki_commands(CLI::App& app, int& exit_code) {
  auto* pki = app.add_subcommand("pki", "Card authority files of a data folder")->require_subcommand(1);

  static fs::path data;
  static pki::KeyType ca_key_type = pki::KeyType::kEcdsaP256;
  auto* init = pki->add_subcommand("init", "Create the card CA, HTTPS and SAML signing keys");
  init->add_option("--data", data, "Data folder")->required();
  init->add_option("--key-type", ca_key_type, "Card CA key: ecdsa (P-256) or rsa (RSA-2048)")
      ->transform(CLI::CheckedTransformer(kKeyTypes, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
  init->callback([&] {
    Status status = provisioning::create_pki(data, ca_key_type);
    exit_code = status.ok() ? 0 : fail(status);
  });

  static fs::path card_data;
  static std::string uid;
  static provisioning::PersonCardOptions card_options;
  auto* card = pki->add_subcommand("issue-card", "Issue a smartcard certificate for a 12-digit uid");
  card->add_option("--data", card_data, "Data folder")->required();
  card->add_option("--uid", uid, "The person's 12-digit uid")->required();
  card->add_option("--pkcs12-password", card_options.pkcs12_password, "Password of the PKCS#12 file")
      ->capture_default_str();
  card->add_option("--key-type", card_options.key_type, "Card key: ecdsa (P-256) or rsa (RSA-2048)")
      ->transform(CLI::CheckedTransformer(kKeyTypes, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
  card->add_option("--san-email", card_options.alt_names.emails,
                   "Email address (rfc822Name) for the subjectAltName; repeat for several");
  card->add_option("--san-upn", card_options.alt_names.upns,
                   "User principal name (otherName UPN) for the subjectAltName; repeat for several");
  card->add_flag("--store-certificate", card_options.store_certificate,
                 "Also add the certificate to the person's userCertificate;binary");
  card->callback([&] {
    auto issued = provisioning::issue_person_card(card_data, uid, card_options);
    exit_code = issued.ok() ? 0 : fail(issued.status());
    if (issued.ok()) {
      print_person_card(*issued);
      if (card_options.store_certificate) {
        std::cout << "  stored in userCertificate;binary of uid=" << uid << "\n";
      }
    }
  });
}

void add_hash_command(CLI::App& app, int& exit_code) {
  static std::string scheme_name = "ARGON2";
  auto* hash = app.add_subcommand("hash-password", "Hash a password read from standard input for userPassword");
  hash->add_option("--scheme", scheme_name, "ARGON2, SSHA256 or SSHA")->capture_default_str();
  hash->callback([&] {
    auto scheme = directory::auth::parse_scheme(scheme_name);
    if (!scheme.has_value()) {
      exit_code = fail(Status::invalid_argument("unknown scheme '" + scheme_name + "'; use ARGON2, SSHA256 or SSHA"));
      return;
    }
    std::string password;
    std::getline(std::cin, password);
    auto hashed = directory::auth::hash_password(*scheme, password);
    exit_code = hashed.ok() ? 0 : fail(hashed.status());
    if (hashed.ok()) {
      std::cout << *hashed << "\n";
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"careidctl: provisioning and administration for careid"};
  app.set_version_flag("--version", "careidctl " CAREID_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  add_demo_commands(app, exit_code);
  add_load_command(app, exit_code);
  careid::careidctl::add_directory_commands(app, exit_code);
  careid::careidctl::add_backup_commands(app, exit_code);
  add_pki_commands(app, exit_code);
  careid::careidctl::add_card_batch_commands(app, exit_code);
  careid::careidctl::add_card_commands(app, exit_code);
  careid::careidctl::add_revocation_commands(app, exit_code);
  add_hash_command(app, exit_code);
  careid::careidctl::add_audit_commands(app, exit_code);
  careid::careidctl::add_rbac_commands(app, exit_code);
  careid::careidctl::add_registration_commands(app, exit_code);
  careid::careidctl::add_user_commands(app, exit_code);
  careid::sus::cli::add_sus_commands(app, exit_code);

  careid::log::set_level("warn");
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
