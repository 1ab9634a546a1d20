// careidctl backup and restore: consistent copies of a data folder's LMDB stores.
#include <filesystem>
#include <iostream>

#include "base/config.h"
#include "provisioning/backup.h"
#include "tools/careidctl/careidd_ports.h"
#include "tools/careidctl/commands.h"

namespace careid::careidctl {
namespace {

namespace fs = std::filesystem;

struct BackupOptions {
  fs::path config;
  fs::path out;
  fs::path from;
  fs::path sus_store;
};

Status back_up(const BackupOptions& options) {
  auto config = load_config(options.config);
  if (!config.ok()) {
    return config.status();
  }
  auto stores = provisioning::data_folder_stores(*config, options.sus_store);
  auto manifest = provisioning::back_up_stores(stores, config->data_dir, options.out);
  if (!manifest.ok()) {
    return manifest.status();
  }

  for (const provisioning::ManifestStore& store : manifest->stores) {
    std::cout << "copied " << store.name << " from " << store.source.string() << ": " << store.bytes
              << " bytes, sha256 " << store.sha256 << "\n";
  }
  std::cout << "wrote " << (options.out / provisioning::kManifestFile).string() << "\n";
  return Status::ok_status();
}

Status restore(const BackupOptions& options) {
  auto config = load_config(options.config);
  if (!config.ok()) {
    return config.status();
  }
  CAREID_RETURN_IF_ERROR(require_careidd_stopped(*config, "before restoring"));
  auto manifest = provisioning::verify_backup(options.from);
  if (!manifest.ok()) {
    return manifest.status();
  }
  std::cout << "verified backup of " << manifest->created << " (" << manifest->stores.size() << " stores)\n";

  auto targets = provisioning::data_folder_stores(*config, options.sus_store);
  auto restored = provisioning::restore_stores(options.from, *manifest, targets);
  if (!restored.ok()) {
    return restored.status();
  }
  for (const provisioning::RestoredStore& store : *restored) {
    std::cout << "restored " << store.name << " to " << store.folder.string();
    if (!store.previous.empty()) {
      std::cout << "; the previous store is in " << store.previous.string();
    }
    std::cout << "\n";
  }
  if (manifest->find("sus") != nullptr && options.sus_store.empty()) {
    std::cout << "skipped sus: pass --sus-store FOLDER to restore the SUS store\n";
  }
  return Status::ok_status();
}

// Prints a failed `status` and sets the exit code from it.
void run_command(const Status& status, int& exit_code) {
  if (!status.ok()) {
    std::cerr << "careidctl: " << status.message() << "\n";
  }
  exit_code = status.ok() ? 0 : 1;
}

}  // namespace

void add_backup_commands(CLI::App& app, int& exit_code) {
  static BackupOptions options;

  auto* backup = app.add_subcommand(
      "backup", "Copy the directory, card registry and SUS stores while careidd runs, with a SHA-256 manifest");
  backup->add_option("--config", options.config, "careid.toml of the data folder")->required()->check(CLI::ExistingFile);
  backup->add_option("--out", options.out, "New or empty folder for the copies and manifest.json")->required();
  backup->add_option("--sus-store", options.sus_store, "SUS store folder to include (careidctl sus --store)")
      ->check(CLI::ExistingDirectory);
  backup->callback([&] { run_command(back_up(options), exit_code); });

  auto* restore_command = app.add_subcommand(
      "restore", "Verify a backup and put its stores in place of the data folder's (stop careidd first)");
  restore_command->add_option("--from", options.from, "Backup folder written by careidctl backup")
      ->required()
      ->check(CLI::ExistingDirectory);
  restore_command->add_option("--config", options.config, "careid.toml of the data folder to restore into")
      ->required()
      ->check(CLI::ExistingFile);
  restore_command->add_option("--sus-store", options.sus_store, "Folder to restore the SUS store to");
  restore_command->callback([&] { run_command(restore(options), exit_code); });
}

}  // namespace careid::careidctl
