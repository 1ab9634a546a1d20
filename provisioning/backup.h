// Online backup and restore of a data folder's LMDB stores, behind `careidctl backup` and
// `careidctl restore`.
//
// A backup folder contains one sub-folder per store, each with the LMDB data.mdb that
// storage::copy_environment wrote, and manifest.json:
//   {"format": 1, "created": "2026-12-05T02:10:00Z", "data_dir": "/srv/careid",
//    "stores": [{"name": "directory", "source": "/srv/careid/store",
//                "file": "directory/data.mdb", "bytes": 1234, "sha256": "<64 hex digits>"}]}
// Every copy is consistent on its own. The stores are copied one after another, so each
// copy shows its store at a slightly different moment.
//
// Only the LMDB stores are copied. The configuration, the PKI keys and certificates, SP
// metadata, OIDC clients and the audit trail are plain files; copy them with the usual
// file tools. The backup folder and its files get modes 0700 and 0600, because the stores
// hold password hashes.
//
// Every call blocks on disk I/O.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace careid::provisioning {

inline constexpr int kBackupFormat = 1;
inline constexpr const char* kManifestFile = "manifest.json";

// One LMDB store of a data folder: its name in the backup and its folder.
struct StoreLocation {
  std::string name;
  std::filesystem::path folder;
};

// The stores of `config`: "directory" (<data_dir>/store) and "card-registry"
// (<data_dir>/pki/registry), and "sus" at `sus_store` when that is not empty. careid.toml
// does not name the SUS store, so its folder comes from the caller.
std::vector<StoreLocation> data_folder_stores(const Config& config,
                                              const std::filesystem::path& sus_store);

struct ManifestStore {
  std::string name;
  std::filesystem::path source;  // the store's folder at backup time
  std::string file;              // data.mdb's path relative to the backup folder
  std::uint64_t bytes = 0;
  std::string sha256;  // lower-case hex
};

struct Manifest {
  int format = kBackupFormat;
  std::string created;  // UTC, ISO 8601 with a Z
  std::filesystem::path data_dir;
  std::vector<ManifestStore> stores;

  // Returns the store named `name`, or nullptr.
  const ManifestStore* find(const std::string& name) const;
};

// Copies each store of `stores` whose folder contains a data.mdb into `out`/<name>/ and
// writes the manifest last, so a backup without manifest.json is incomplete. Stores
// without data.mdb are skipped (a data folder without cards has no card registry).
// `out` must be missing or an empty folder (kAlreadyExists otherwise). kNotFound when no
// store exists at all.
Result<Manifest> back_up_stores(const std::vector<StoreLocation>& stores,
                                const std::filesystem::path& data_dir,
                                const std::filesystem::path& out);

// Reads `backup`/manifest.json and checks that every file it lists has the recorded size
// and SHA-256. kNotFound for a missing manifest or file, kCorruption for a size or hash
// that differs or a manifest that does not parse, naming the file.
Result<Manifest> verify_backup(const std::filesystem::path& backup);

// The outcome of restore_stores for one store.
struct RestoredStore {
  std::string name;
  std::filesystem::path folder;
  // The folder that now contains the replaced store; empty when there was none.
  std::filesystem::path previous;
};

// Puts each store of `manifest` that `targets` names back in place from `backup`, which
// verify_backup has checked. Per store, the copy goes to <folder>.restoring first and is
// checked against the manifest again, then an existing folder is renamed to
// <folder>.before-restore-<UTC time>[-N] (kept for the operator to delete) and the copy takes
// its name. When run as root, the restored folder and file get the owner of the folder
// they replace. Stores in the manifest without a target are skipped. The caller must make
// sure that no process has the stores open.
Result<std::vector<RestoredStore>> restore_stores(const std::filesystem::path& backup,
                                                  const Manifest& manifest,
                                                  const std::vector<StoreLocation>& targets);

}  // namespace careid::provisioning
