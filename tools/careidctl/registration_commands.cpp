// careidctl person register, role assign, role end and intake: registration over LDAP, so
// that careidd's access control applies to the registration authority running them.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include "provisioning/registration/intake.h"
#include "provisioning/registration/registration.h"
#include "provisioning/registration/token_card_issuer.h"
#include "tools/careidctl/commands.h"
#include "tools/careidctl/registration_options.h"

namespace careid::careidctl {
namespace {

namespace registration = provisioning::registration;
namespace rbac = careid::rbac;

int report_failure(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

Result<std::optional<rbac::Date>> optional_date(const std::string& text) {
  if (text.empty()) {
    return std::optional<rbac::Date>();
  }
  auto date = rbac::parse_iso_date(text);
  if (!date.ok()) {
    return date.status();
  }
  return std::optional<rbac::Date>(*date);
}

void add_person_commands(CLI::App& app, int& exit_code) {
  auto* person = app.add_subcommand("person", "Register people over LDAP")->require_subcommand(1);

  static registration::LdapConnectOptions connection;
  static registration::PersonRequest request;
  auto* reg = person->add_subcommand("register", "Register a person (nhsPerson) and print the uid");
  add_ldap_options(reg, connection);
  reg->add_option("--uid", request.uid, "12-digit uid; allocated at random when left out");
  reg->add_option("--given-name", request.given_name, "Given name")->required();
  reg->add_option("--surname", request.surname, "Surname")->required();
  reg->add_option("--mail", request.mail, "Mail address; must not belong to another person")->required();
  reg->add_option("--id-check-level", request.identity_check_level, "Identity check level made, 1 to 3")
      ->required()
      ->check(CLI::Range(registration::kMinIdentityCheckLevel, registration::kMaxIdentityCheckLevel));
  reg->callback([&] {
    auto client = registration::LdapClient::connect(connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    registration::Registrar registrar(**client);
    auto uid = registrar.register_person(request);
    exit_code = uid.ok() ? 0 : report_failure(uid.status());
    if (uid.ok()) {
      std::cout << *uid << "\n";
    }
  });
}

void add_role_commands(CLI::App& app, int& exit_code) {
  auto* role = app.add_subcommand("role", "Assign and end role profiles over LDAP")->require_subcommand(1);

  static registration::LdapConnectOptions assign_connection;
  static registration::RoleRequest request;
  static std::string start;
  static std::string end;
  auto* assign = role->add_subcommand("assign", "Add a role profile (nhsOrgPersonRole) and print its id");
  add_ldap_options(assign, assign_connection);
  assign->add_option("--uid", request.uid, "The person's 12-digit uid")->required();
  assign->add_option("--org", request.org_code, "ODS code of the organisation, e.g. R0A");
  auto* job_role = assign->add_option("--job-role", request.job_role, "National job role R-code, e.g. R8000");
  auto* position = assign->add_option("--position", request.position, "Position DN, or position name at --org");
  job_role->excludes(position);
  assign->add_option("--start", start, "First day the profile grants access, YYYY-MM-DD");
  assign->add_option("--end", end, "First day it no longer does, YYYY-MM-DD");
  assign->callback([&] {
    auto start_date = optional_date(start);
    auto end_date = optional_date(end);
    if (!start_date.ok() || !end_date.ok()) {
      exit_code = report_failure(start_date.ok() ? end_date.status() : start_date.status());
      return;
    }
    request.start = *start_date;
    request.end = *end_date;
    auto client = registration::LdapClient::connect(assign_connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    registration::Registrar registrar(**client);
    auto assigned = registrar.assign_role(request);
    exit_code = assigned.ok() ? 0 : report_failure(assigned.status());
    if (assigned.ok()) {
      std::cout << assigned->role_profile_id << (assigned->already_present ? " (already present)" : "") << "\n";
    }
  });

  static registration::LdapConnectOptions end_connection;
  static std::string end_uid;
  static std::string profile_id;
  static std::string end_on;
  auto* finish = role->add_subcommand("end", "Set the end date of a role profile");
  add_ldap_options(finish, end_connection);
  finish->add_option("--uid", end_uid, "The person's 12-digit uid")->required();
  finish->add_option("--role-profile", profile_id, "Role profile id (its uniqueIdentifier)")->required();
  finish->add_option("--date", end_on, "First day the profile no longer grants access, YYYY-MM-DD")->required();
  finish->callback([&] {
    auto date = rbac::parse_iso_date(end_on);
    if (!date.ok()) {
      exit_code = report_failure(date.status());
      return;
    }
    auto client = registration::LdapClient::connect(end_connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    registration::Registrar registrar(**client);
    Status ended = registrar.end_role(end_uid, profile_id, *date);
    exit_code = ended.ok() ? 0 : report_failure(ended);
  });
}

// Draws a bar on a terminal; elsewhere prints a plain line at each tenth of the rows.
void show_progress(std::uint64_t done, std::uint64_t total, bool terminal) {
  if (terminal) {
    constexpr int kWidth = 40;
    int filled = total ? static_cast<int>(done * kWidth / total) : kWidth;
    std::fprintf(stderr, "\r[%s%s] %llu/%llu rows", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
    if (done == total) {
      std::fputc('\n', stderr);
    }
    return;
  }
  std::uint64_t step = total >= 10 ? total / 10 : 1;
  if (done % step == 0 || done == total) {
    std::fprintf(stderr, "intake: %llu/%llu rows\n", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  }
}

// The --issue-cards options of intake.
struct IntakeCardOptions {
  bool issue_cards = false;
  registration::TokenCardIssuerOptions issuer;
  std::optional<std::filesystem::path> so_pin_file;
  std::optional<std::filesystem::path> pin_file;
};

Result<std::unique_ptr<registration::TokenCardIssuer>> open_card_issuer(const IntakeCardOptions& options) {
  if (options.issuer.data_dir.empty()) {
    return Status::invalid_argument("--issue-cards needs --data, the data folder with the card CA and tokens");
  }
  auto so_pin = pki::pkcs11::Pin::read(options.so_pin_file, kCardSoPinVariable);
  if (!so_pin.ok()) {
    return so_pin.status();
  }
  auto pin = pki::pkcs11::Pin::read(options.pin_file, kCardPinVariable);
  if (!pin.ok()) {
    return pin.status();
  }
  return registration::TokenCardIssuer::open(options.issuer, std::move(*so_pin), std::move(*pin));
}

void print_intake_summary(const registration::IntakeSummary& summary, const registration::IntakeOptions& options) {
  std::cout << "rows: " << summary.rows << ", registered: " << summary.registered
            << ", role profiles added: " << summary.roles_assigned << ", already done: " << summary.already_done
            << ", rejected: " << summary.rejected << ", cards issued: " << summary.cards_issued << "\n";
  if (summary.rejected > 0 && !options.report.empty()) {
    std::cout << "rejected rows are listed in " << options.report.string() << "\n";
  }
}

void add_intake_card_options(CLI::App* intake, IntakeCardOptions& cards) {
  static const std::map<std::string, pki::KeyType> key_types = {{"ecdsa", pki::KeyType::kEcdsaP256},
                                                                {"rsa", pki::KeyType::kRsa2048}};
  intake->add_flag("--issue-cards", cards.issue_cards,
                   "Give each person a card on a SoftHSM token labelled with their uid, unless the card "
                   "registry holds a good one");
  intake->add_option("--data", cards.issuer.data_dir, "Data folder with the card CA, card registry and tokens");
  intake->add_option("--module", cards.issuer.module,
                     "PKCS#11 module; default: [pki] pkcs11_module of <data>/careid.toml");
  intake->add_option("--key-type", cards.issuer.key_type, "Card key: ecdsa (P-256) or rsa (RSA-2048)")
      ->transform(CLI::CheckedTransformer(key_types, CLI::ignore_case).description("ecdsa or rsa"))
      ->default_str("ecdsa");
  intake->add_option("--so-pin-file", cards.so_pin_file,
                     std::string("File (mode 0600) with the SO PIN of new tokens; default: $") + kCardSoPinVariable);
  intake->add_option("--pin-file", cards.pin_file,
                     std::string("File (mode 0600) with the initial user PIN; default: $") + kCardPinVariable);
}

void add_intake_command(CLI::App& app, int& exit_code) {
  static registration::LdapConnectOptions connection;
  static registration::IntakeOptions options;
  static IntakeCardOptions cards;
  auto* intake = app.add_subcommand("intake", "Register people and assign roles from a CSV file (docs/rbac-data.md); exits 1 when a row is rejected");
  add_ldap_options(intake, connection);
  intake->add_option("--csv", options.csv, "Staff file")->required()->check(CLI::ExistingFile);
  intake->add_option("--report", options.report, "CSV of rejected rows (line,mail,reason)");
  add_intake_card_options(intake, cards);
  intake->callback([&] {
    std::unique_ptr<registration::TokenCardIssuer> card_issuer;
    if (cards.issue_cards) {
      auto opened = open_card_issuer(cards);
      if (!opened.ok()) {
        exit_code = report_failure(opened.status());
        return;
      }
      card_issuer = std::move(*opened);
    }
    auto client = registration::LdapClient::connect(connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    options.card_issuer = card_issuer.get();
    bool terminal = isatty(STDERR_FILENO) == 1;
    options.progress = [terminal](std::uint64_t done, std::uint64_t total) { show_progress(done, total, terminal); };

    registration::Registrar registrar(**client);
    auto summary = registration::run_intake(registrar, options);
    if (!summary.ok()) {
      exit_code = report_failure(summary.status());
      return;
    }
    print_intake_summary(*summary, options);
    exit_code = summary->rejected > 0 ? 1 : 0;
  });
}

}  // namespace

void add_ldap_options(CLI::App* command, registration::LdapConnectOptions& options) {
  command->add_option("--url", options.url, "careidd LDAP URL")->capture_default_str();
  command->add_option("--bind-dn", options.bind_dn, "DN for a simple bind");
  command->add_option("--password-file", options.password_file, "File whose first line is the bind password")
      ->check(CLI::ExistingFile);
  command->add_option("--cert", options.certificate, "Client (card) certificate for SASL EXTERNAL")
      ->check(CLI::ExistingFile);
  command->add_option("--key", options.private_key, "Private key of --cert")->check(CLI::ExistingFile);
  command->add_option("--ca", options.ca_certificate, "CA certificate of the server, for TLS")
      ->check(CLI::ExistingFile);
}

void add_registration_commands(CLI::App& app, int& exit_code) {
  add_person_commands(app, exit_code);
  add_role_commands(app, exit_code);
  add_intake_command(app, exit_code);
}

}  // namespace careid::careidctl
