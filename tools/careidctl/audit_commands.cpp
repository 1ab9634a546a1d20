// careidctl audit verify and audit export: offline checks and queries of the audit trail.
#include <fstream>
#include <iostream>

#include "audit/audit_log.h"
#include "audit/record.h"
#include "audit/trail_file.h"
#include "audit/verify.h"
#include "base/config.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {
namespace {

namespace fs = std::filesystem;

int fail(const Status& status) {
  std::cerr << "careidctl: " << status.message() << "\n";
  return 1;
}

// The trail's location: careid.toml from --config, or the trail's current file from --file.
struct TrailSource {
  fs::path config;
  fs::path file;
  fs::path key_file;
};

struct Trail {
  std::vector<fs::path> files;
  std::string hmac_key;
};

Result<Trail> open_trail(const TrailSource& source) {
  fs::path file = source.file;
  fs::path key_file = source.key_file;
  if (!source.config.empty()) {
    auto config = load_config(source.config);
    if (!config.ok()) {
      return config.status();
    }
    if (config->audit.file.empty()) {
      return Status::failed_precondition(source.config.string() + ": audit.file is empty, so there is no audit trail");
    }
    file = config->audit.file;
    if (key_file.empty()) {
      key_file = config->audit.hmac_key_file;
    }
  }

  Trail trail;
  trail.files = audit::trail_files(file);
  if (trail.files.empty()) {
    return Status::not_found("audit trail not found at " + file.string() + "; check --file or audit.file");
  }
  if (!key_file.empty()) {
    auto key = audit::read_hmac_key(key_file);
    if (!key.ok()) {
      return key.status();
    }
    trail.hmac_key = std::move(*key);
  }
  return trail;
}

void add_source_options(CLI::App& command, TrailSource& source) {
  auto* config = command.add_option("--config", source.config, "careid.toml whose [audit] section names the trail")
                     ->check(CLI::ExistingFile);
  auto* file = command.add_option("--file", source.file, "The trail's current file; its rotated files are read too");
  config->excludes(file);
  file->excludes(config);
  command.add_option("--key", source.key_file, "HMAC key file of the trail (default: audit.hmac_key_file of --config)");
}

void add_verify(CLI::App& audit, int& exit_code) {
  static TrailSource source;
  auto* verify = audit.add_subcommand(
      "verify", "Check the hash chain; exit 1 naming the first changed, removed, inserted or reordered record");
  add_source_options(*verify, source);
  verify->callback([&] {
    if (source.config.empty() && source.file.empty()) {
      exit_code = fail(Status::invalid_argument("give --config or --file"));
      return;
    }
    auto trail = open_trail(source);
    if (!trail.ok()) {
      exit_code = fail(trail.status());
      return;
    }
    audit::VerifyOptions options;
    options.hmac_key = trail->hmac_key;
    audit::VerifyReport report = audit::verify_trail(trail->files, options);
    if (report.key_needed) {
      exit_code = fail(Status::failed_precondition(
          "cannot verify " + report.bad_file.string() + ": its records are chained with HMAC-SHA256, so the key "
          "is needed; give the key file with --key, or use --config with a careid.toml whose "
          "audit.hmac_key_file names it"));
      return;
    }
    if (!report.ok) {
      exit_code = fail(Status::corruption("audit trail broken at " + report.bad_file.string() + " line " +
                                          std::to_string(report.bad_line) + ": " + report.reason));
      return;
    }
    std::cout << "audit trail OK: " << report.records << " records in " << trail->files.size()
              << " file(s), last seq " << report.last_seq << ", last hash " << report.last_hash << "\n";
    exit_code = 0;
  });
}

void add_export(CLI::App& audit, int& exit_code) {
  static TrailSource source;
  static std::string since;
  static std::string until;
  static audit::ExportFilter filter;
  static fs::path out_path;
  auto* exported = audit.add_subcommand("export", "Write the matching records as JSON lines, as stored");
  add_source_options(*exported, source);
  exported->add_option("--user", filter.user, "uid or DN that acted or was acted on");
  exported->add_option("--since", since, "Records at or after this RFC 3339 time, e.g. 2026-12-04T10:00:00Z");
  exported->add_option("--until", until, "Records before this RFC 3339 time");
  exported->add_option("--event", filter.event, "Event type, e.g. ldap.bind, or a prefix ending in *, e.g. 'ldap.*'");
  exported->add_option("--out", out_path, "Output file (default: standard output)");
  exported->callback([&] {
    if (source.config.empty() && source.file.empty()) {
      exit_code = fail(Status::invalid_argument("give --config or --file"));
      return;
    }
    for (auto [text, bound] : {std::pair{&since, &filter.since}, std::pair{&until, &filter.until}}) {
      if (text->empty()) {
        continue;
      }
      auto time = audit::parse_time(*text);
      if (!time.ok()) {
        exit_code = fail(time.status());
        return;
      }
      *bound = *time;
    }
    auto trail = open_trail(source);
    if (!trail.ok()) {
      exit_code = fail(trail.status());
      return;
    }

    std::ofstream file;
    if (!out_path.empty()) {
      file.open(out_path);
      if (!file) {
        exit_code = fail(Status::io_error("cannot write " + out_path.string()));
        return;
      }
    }
    std::ostream& out = out_path.empty() ? std::cout : file;
    auto summary = audit::export_records(trail->files, filter, out);
    exit_code = summary.ok() ? 0 : fail(summary.status());
    if (summary.ok() && !out_path.empty()) {
      std::cout << "wrote " << summary->written << " records to " << out_path.string() << "\n";
    }
  });
}

}  // namespace

void add_audit_commands(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "Check and export the tamper-evident audit trail")->require_subcommand(1);
  add_verify(*audit, exit_code);
  add_export(*audit, exit_code);
}

}  // namespace careid::careidctl
