#include "provisioning/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "directory/storage/environment_copy.h"
#include "pki/digest.h"
#include "pki/encoding.h"
#include "pki/files.h"

namespace careid::provisioning {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A manifest larger than this is not one that back_up_stores wrote.
constexpr std::uintmax_t kMaxManifestBytes = 1024 * 1024;

// Returns the current UTC time in `format` (strftime).
std::string utc_now(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, format, &parts);
  return buffer;
}

Status errno_status(std::string_view action, const fs::path& path) {
  return Status::io_error("cannot " + std::string(action) + " " + path.string() + ": " +
                          std::strerror(errno));
}

Status fsync_folder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("open", folder);
  }
  Status status = ::fsync(fd) == 0 ? Status::ok_status() : errno_status("fsync", folder);
  ::close(fd);
  return status;
}

Status make_private_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    return Status::io_error("cannot create " + folder.string() + ": " + error.message());
  }
  fs::permissions(folder, fs::perms::owner_all, error);
  if (error) {
    return Status::io_error("cannot set mode 0700 on " + folder.string() + ": " + error.message());
  }
  return Status::ok_status();
}

// Returns the size and SHA-256 (hex) of `file`.
Result<std::pair<std::uint64_t, std::string>> measure(const fs::path& file) {
  std::error_code error;
  const std::uintmax_t bytes = fs::file_size(file, error);
  if (error) {
    return Status::io_error("cannot read the size of " + file.string() + ": " + error.message());
  }
  auto digest = pki::sha256_file(file);
  if (!digest.ok()) {
    return digest.status();
  }
  return std::make_pair(static_cast<std::uint64_t>(bytes), pki::hex_encode(*digest));
}

json manifest_json(const Manifest& manifest) {
  json stores = json::array();
  for (const ManifestStore& store : manifest.stores) {
    stores.push_back({{"name", store.name},
                      {"source", store.source.string()},
                      {"file", store.file},
                      {"bytes", store.bytes},
                      {"sha256", store.sha256}});
  }
  return {{"format", manifest.format},
          {"created", manifest.created},
          {"data_dir", manifest.data_dir.string()},
          {"stores", stores}};
}

// A store name becomes a folder name in the backup, so it is limited to [a-z-].
bool valid_store_name(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (char c : name) {
    if (!(c >= 'a' && c <= 'z') && c != '-') {
      return false;
    }
  }
  return true;
}

// Parses manifest.json. Throws nlohmann::json::exception on a missing key or a wrong type.
Manifest parse_manifest(const json& document) {
  Manifest manifest;
  manifest.format = document.at("format").get<int>();
  manifest.created = document.at("created").get<std::string>();
  manifest.data_dir = document.at("data_dir").get<std::string>();
  for (const json& item : document.at("stores")) {
    ManifestStore store;
    store.name = item.at("name").get<std::string>();
    store.source = item.at("source").get<std::string>();
    store.file = item.at("file").get<std::string>();
    store.bytes = item.at("bytes").get<std::uint64_t>();
    store.sha256 = item.at("sha256").get<std::string>();
    manifest.stores.push_back(std::move(store));
  }
  return manifest;
}

Result<Manifest> read_manifest(const fs::path& path) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) {
    return Status::not_found("no backup manifest at " + path.string() + ": " + error.message());
  }
  if (size > kMaxManifestBytes) {
    return Status::corruption("backup manifest " + path.string() + " is " + std::to_string(size) +
                              " bytes, more than a backup writes");
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();

  Manifest manifest;
  try {
    manifest = parse_manifest(json::parse(text.str()));
  } catch (const json::exception& parse_error) {
    return Status::corruption("backup manifest " + path.string() +
                              " is not valid: " + parse_error.what());
  }
  if (manifest.format != kBackupFormat) {
    return Status::failed_precondition("backup manifest " + path.string() + " has format " +
                                       std::to_string(manifest.format) + "; this careidctl reads format " +
                                       std::to_string(kBackupFormat));
  }
  for (const ManifestStore& store : manifest.stores) {
    if (!valid_store_name(store.name) || store.file != store.name + "/data.mdb") {
      return Status::corruption("backup manifest " + path.string() + " lists store '" + store.name +
                                "' with file '" + store.file + "'; expected <name>/data.mdb with a name of a-z and -");
    }
  }
  return manifest;
}

// Checks `file` against the size and hash that the manifest records for `store`.
Status check_file(const fs::path& file, const ManifestStore& store) {
  auto measured = measure(file);
  if (!measured.ok()) {
    return measured.status();
  }
  if (measured->first != store.bytes) {
    return Status::corruption(file.string() + " is " + std::to_string(measured->first) +
                              " bytes, but the manifest records " + std::to_string(store.bytes) +
                              "; the backup is damaged");
  }
  if (measured->second != store.sha256) {
    return Status::corruption(file.string() + " has SHA-256 " + measured->second +
                              ", but the manifest records " + store.sha256 + "; the backup is damaged");
  }
  return Status::ok_status();
}

// Gives `path` the owner of `model`. Only root may do so, so other users skip this.
Status copy_owner(const fs::path& model, const fs::path& path) {
  struct stat info {};
  if (::geteuid() != 0 || ::stat(model.c_str(), &info) != 0) {
    return Status::ok_status();
  }
  if (::chown(path.c_str(), info.st_uid, info.st_gid) != 0) {
    return errno_status("change the owner of", path);
  }
  return Status::ok_status();
}

// Copies one store from the backup to <target>.restoring and checks the copy.
Result<fs::path> stage_store(const fs::path& backup, const ManifestStore& store, const fs::path& target) {
  fs::path staging = target;
  staging += ".restoring";
  std::error_code error;
  fs::remove_all(staging, error);  // left over from a restore that stopped half-way
  CAREID_RETURN_IF_ERROR(make_private_folder(staging));

  const fs::path copy = staging / "data.mdb";
  fs::copy_file(backup / store.file, copy, error);
  if (error) {
    return Status::io_error("cannot copy " + (backup / store.file).string() + " to " + copy.string() +
                            ": " + error.message());
  }
  fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write, error);
  CAREID_RETURN_IF_ERROR(check_file(copy, store));
  CAREID_RETURN_IF_ERROR(copy_owner(target, staging));
  CAREID_RETURN_IF_ERROR(copy_owner(target / "data.mdb", copy));

  int fd = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    Status status = errno_status("fsync", copy);
    if (fd >= 0) {
      ::close(fd);
    }
    return status;
  }
  ::close(fd);
  CAREID_RETURN_IF_ERROR(fsync_folder(staging));
  return staging;
}

// Renames `staging` to `target`, moving an existing `target` aside first.
Result<fs::path> swap_in(const fs::path& staging, const fs::path& target) {
  fs::path previous;
  std::error_code error;
  if (fs::exists(target, error)) {
    // A second restore within the same second gets a numbered name.
    const std::string stamp = ".before-restore-" + utc_now("%Y%m%dT%H%M%SZ");
    previous = fs::path(target.string() + stamp);
    for (int number = 2; fs::exists(previous, error); ++number) {
      previous = fs::path(target.string() + stamp + "-" + std::to_string(number));
    }
    fs::rename(target, previous, error);
    if (error) {
      return Status::io_error("cannot move " + target.string() + " aside to " + previous.string() +
                              ": " + error.message());
    }
  }
  fs::rename(staging, target, error);
  if (error) {
    return Status::io_error("cannot rename " + staging.string() + " to " + target.string() + ": " +
                            error.message() + (previous.empty() ? "" : "; the old store is in " + previous.string()));
  }
  CAREID_RETURN_IF_ERROR(fsync_folder(target.parent_path()));
  return previous;
}

}  // namespace

const ManifestStore* Manifest::find(const std::string& name) const {
  for (const ManifestStore& store : stores) {
    if (store.name == name) {
      return &store;
    }
  }
  return nullptr;
}

std::vector<StoreLocation> data_folder_stores(const Config& config, const fs::path& sus_store) {
  std::vector<StoreLocation> stores = {
      {"directory", (config.data_dir / "store").lexically_normal()},
      {"card-registry", (config.data_dir / "pki" / "registry").lexically_normal()}};
  if (!sus_store.empty()) {
    stores.push_back({"sus", sus_store});
  }
  return stores;
}

Result<Manifest> back_up_stores(const std::vector<StoreLocation>& stores, const fs::path& data_dir,
                                const fs::path& out) {
  std::error_code error;
  if (fs::exists(out, error) && !fs::is_empty(out, error)) {
    return Status::already_exists("backup folder " + out.string() + " is not empty; choose a new folder");
  }
  CAREID_RETURN_IF_ERROR(make_private_folder(out));

  Manifest manifest;
  manifest.created = utc_now("%Y-%m-%dT%H:%M:%SZ");
  manifest.data_dir = fs::absolute(data_dir);
  for (const StoreLocation& store : stores) {
    if (!fs::exists(store.folder / "data.mdb", error)) {
      continue;
    }
    CAREID_RETURN_IF_ERROR(make_private_folder(out / store.name));
    CAREID_RETURN_IF_ERROR(directory::storage::copy_environment(store.folder, out / store.name));

    ManifestStore entry{store.name, fs::absolute(store.folder), store.name + "/data.mdb", 0, {}};
    auto measured = measure(out / entry.file);
    if (!measured.ok()) {
      return measured.status();
    }
    entry.bytes = measured->first;
    entry.sha256 = measured->second;
    manifest.stores.push_back(std::move(entry));
  }
  if (manifest.stores.empty()) {
    return Status::not_found("no store with a data.mdb under " + data_dir.string() +
                             "; check data_dir in the configuration");
  }

  CAREID_RETURN_IF_ERROR(pki::write_private_file(out / kManifestFile, manifest_json(manifest).dump(2) + "\n"));
  CAREID_RETURN_IF_ERROR(fsync_folder(out));
  return manifest;
}

Result<Manifest> verify_backup(const fs::path& backup) {
  auto manifest = read_manifest(backup / kManifestFile);
  if (!manifest.ok()) {
    return manifest.status();
  }
  for (const ManifestStore& store : manifest->stores) {
    CAREID_RETURN_IF_ERROR(check_file(backup / store.file, store));
  }
  return manifest;
}

Result<std::vector<RestoredStore>> restore_stores(const fs::path& backup, const Manifest& manifest,
                                                  const std::vector<StoreLocation>& targets) {
  std::vector<RestoredStore> restored;
  for (const StoreLocation& target : targets) {
    const ManifestStore* store = manifest.find(target.name);
    if (store == nullptr) {
      continue;
    }
    std::error_code error;
    fs::create_directories(target.folder.parent_path(), error);
    if (error) {
      return Status::io_error("cannot create " + target.folder.parent_path().string() + ": " + error.message());
    }

    auto staging = stage_store(backup, *store, target.folder);
    if (!staging.ok()) {
      return staging.status().with_context("restoring store " + store->name);
    }
    auto previous = swap_in(*staging, target.folder);
    if (!previous.ok()) {
      return previous.status().with_context("restoring store " + store->name);
    }
    restored.push_back({store->name, target.folder, *previous});
  }
  return restored;
}

}  // namespace careid::provisioning
