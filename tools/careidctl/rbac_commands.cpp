// careidctl rbac import, position create and access explain: the national RBAC reference
// data, local positions, and why a person has or lacks an activity.
#include <iostream>

#include "audit/audit_log.h"
#include "base/config.h"
#include "base/shipped_files.h"
#include "provisioning/job_roles.h"
#include "rbac/access.h"
#include "provisioning/rbac/rbac_files.h"
#include "provisioning/rbac/rbac_import.h"
#include "provisioning/registration/registration.h"
#include "tools/careidctl/commands.h"
#include "tools/careidctl/registration_options.h"

namespace careid::careidctl {
namespace {

namespace fs = std::filesystem;
namespace rbac = provisioning::rbac;
namespace registration = provisioning::registration;

int report_failure(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

// The R-codes that baseline rows may name: the shipped job role list.
Result<std::set<std::string>> shipped_job_roles(const fs::path& reference_dir) {
  auto roles = provisioning::load_job_roles(reference_dir / "CodeSystem-UKCore-SDSJobRoleName.xml");
  if (!roles.ok()) {
    return roles.status();
  }
  std::set<std::string> codes;
  for (const provisioning::JobRole& role : roles->roles) {
    codes.insert(role.code);
  }
  return codes;
}

// Appends rbac.import to the audit trail that `config_file` configures, if any: the import
// writes the store directly, so no LDAP operation records it.
Status record_import(const fs::path& config_file, const rbac::RbacFiles& files, const rbac::ImportCounts& counts) {
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  if (config->audit.file.empty()) {
    return Status::ok_status();
  }
  auto log = audit::open_audit_log(config->audit);
  if (!log.ok()) {
    return log.status().with_context("audit trail");
  }

  audit::Event event;
  event.type = "rbac.import";
  event.actor = "careidctl";
  event.subject = config->ldap.suffix;
  event.client = "local";
  event.details = {{"activities_file", files.activities.string()},
                   {"baseline_file", files.baseline.string()},
                   {"added", counts.added},
                   {"replaced", counts.replaced},
                   {"unchanged", counts.unchanged},
                   {"removed", counts.removed}};
  (*log)->record(std::move(event));
  return (*log)->flush();
}

void add_import_command(CLI::App* rbac_group, int& exit_code) {
  static fs::path config;
  static rbac::RbacFiles files;
  static fs::path reference_dir = careid::shipped_reference_folder();
  auto* import = rbac_group->add_subcommand(
      "import", "Load activities, areas of work, baseline policy and job roles into a data folder's directory");
  import->add_option("--config", config, "careid.toml of the data folder")->required()->check(CLI::ExistingFile);
  import->add_option("--activities", files.activities, "Activity file (code,name,includes)")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--baseline", files.baseline, "Baseline file (job_role,area_of_work,activities)")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--areas-of-work", files.areas_of_work, "Area of work file (code,name)")->check(CLI::ExistingFile);
  import->add_option("--job-roles", files.job_roles, "Job role file (code,name,staff_group_code,...)")
      ->check(CLI::ExistingFile);
  import->add_option("--reference-dir", reference_dir, "Folder of the shipped job role list")->capture_default_str();
  import->callback([&] {
    auto known = shipped_job_roles(reference_dir);
    if (!known.ok()) {
      exit_code = report_failure(known.status());
      return;
    }
    auto catalogue = rbac::read_catalogue(files, *known);
    if (!catalogue.ok()) {
      exit_code = report_failure(catalogue.status());
      return;
    }
    std::vector<provisioning::JobRole> job_roles;
    if (!files.job_roles.empty()) {
      auto read = rbac::read_job_role_file(files.job_roles);
      if (!read.ok()) {
        exit_code = report_failure(read.status());
        return;
      }
      job_roles = std::move(*read);
    }
    auto counts = rbac::import_catalogue(config, *catalogue, job_roles);
    if (!counts.ok()) {
      exit_code = report_failure(counts.status());
      return;
    }
    std::cout << catalogue->activities().size() << " activities, " << catalogue->areas_of_work().size()
              << " areas of work, " << catalogue->baseline().size() << " baseline rows, " << job_roles.size()
              << " job roles: " << counts->added << " entries added, " << counts->replaced << " replaced, "
              << counts->unchanged << " unchanged, " << counts->removed << " removed\n";

    Status recorded = record_import(config, files, *counts);
    exit_code = recorded.ok() ? 0 : report_failure(recorded.with_context("imported, but not recorded in the audit trail"));
  });
}

void add_position_commands(CLI::App& app, int& exit_code) {
  auto* position = app.add_subcommand("position", "Local positions of an organisation")->require_subcommand(1);

  static registration::LdapConnectOptions connection;
  static rbac::Position request;
  auto* create = position->add_subcommand("create", "Create a position on top of a national job role and print its DN");
  add_ldap_options(create, connection);
  create->add_option("--org", request.org_code, "ODS code of the organisation, e.g. R0A")->required();
  create->add_option("--name", request.name, "Position name, unique in the organisation")->required();
  create->add_option("--base-role", request.base_job_role, "National job role R-code, e.g. R8000")->required();
  create->add_option("--add-activity", request.activities, "Activity B-code granted on top of the baseline (repeat)");
  create->add_option("--workgroup", request.workgroups, "Workgroup code (repeat)");
  create->add_option("--application", request.applications, "Application identifier (repeat)");
  create->callback([&] {
    auto client = registration::LdapClient::connect(connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    registration::Registrar registrar(**client);
    auto dn = registrar.create_position(request);
    exit_code = dn.ok() ? 0 : report_failure(dn.status());
    if (dn.ok()) {
      std::cout << *dn << "\n";
    }
  });
}

void add_access_commands(CLI::App& app, int& exit_code) {
  auto* access = app.add_subcommand("access", "Effective activities of a person")->require_subcommand(1);

  static registration::LdapConnectOptions connection;
  static std::string uid;
  static std::string activity;
  static std::string org;
  static std::string on_date;
  auto* explain = access->add_subcommand("explain", "Print why a person has or lacks an activity; exits 1 when lacking");
  add_ldap_options(explain, connection);
  explain->add_option("--uid", uid, "The person's 12-digit uid")->required();
  explain->add_option("--activity", activity, "Activity B-code, e.g. B0825")->required();
  explain->add_option("--org", org, "ODS code; all organisations when left out");
  explain->add_option("--date", on_date, "Day to evaluate, YYYY-MM-DD; today (UTC) when left out");
  explain->callback([&] {
    rbac::Date date = rbac::today_utc();
    if (!on_date.empty()) {
      auto parsed = rbac::parse_iso_date(on_date);
      if (!parsed.ok()) {
        exit_code = report_failure(parsed.status());
        return;
      }
      date = *parsed;
    }
    auto client = registration::LdapClient::connect(connection);
    if (!client.ok()) {
      exit_code = report_failure(client.status());
      return;
    }
    registration::LdapAccessSource source(**client);
    auto facts = rbac::read_access_facts(source, uid);
    if (!facts.ok()) {
      exit_code = report_failure(facts.status());
      return;
    }
    auto explanation = rbac::explain_access(facts->catalogue, facts->profiles, facts->positions, activity, org, date);
    std::cout << rbac::format_explanation(explanation, facts->catalogue);
    exit_code = explanation.granted ? 0 : 1;
  });
}

}  // namespace

void add_rbac_commands(CLI::App& app, int& exit_code) {
  auto* rbac_group = app.add_subcommand("rbac", "National RBAC reference data")->require_subcommand(1);
  add_import_command(rbac_group, exit_code);
  add_position_commands(app, exit_code);
  add_access_commands(app, exit_code);
}

}  // namespace careid::careidctl
