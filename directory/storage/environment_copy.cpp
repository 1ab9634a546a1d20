#include "directory/storage/environment_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "directory/storage/lmdb_handle.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

namespace {

namespace fs = std::filesystem;

Status errno_status(std::string_view action, const fs::path& path) {
  return Status::io_error("cannot " + std::string(action) + " " + path.string() + ": " +
                          std::strerror(errno));
}

// Makes the copy private and durable: mdb_env_copy2 creates it with mode 0666 less the
// umask and does not fsync it.
Status seal_copy(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("open", file);
  }
  Status status = Status::ok_status();
  if (::fchmod(fd, 0600) != 0) {
    status = errno_status("set mode 0600 on", file);
  } else if (::fsync(fd) != 0) {
    status = errno_status("fsync", file);
  }
  ::close(fd);
  CAREID_RETURN_IF_ERROR(status);

  // The folder entry of the new file must reach the disk too.
  const fs::path folder = file.parent_path();
  fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("open", folder);
  }
  if (::fsync(fd) != 0) {
    status = errno_status("fsync", folder);
  }
  ::close(fd);
  return status;
}

}  // namespace

Status copy_environment(const fs::path& source, const fs::path& destination) {
  std::error_code error;
  if (!fs::exists(source / "data.mdb", error)) {
    return Status::not_found("no LMDB store in " + source.string() + ": data.mdb is missing");
  }
  if (fs::exists(destination / "data.mdb", error)) {
    return Status::already_exists("the copy " + (destination / "data.mdb").string() +
                                  " exists already; choose an empty folder");
  }
  if (detail::folder_open_in_process(source)) {
    return Status::failed_precondition("store " + source.string() +
                                       " is open in this process; close it before copying");
  }

  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "create LMDB environment", source);
  }
  detail::EnvHandle env(raw);
  rc = mdb_env_open(raw, source.c_str(), MDB_RDONLY | MDB_NOTLS, 0640);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "open store for copying", source);
  }
  rc = mdb_env_copy2(raw, destination.c_str(), MDB_CP_COMPACT);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "copy store to " + destination.string(), source);
  }
  return seal_copy(destination / "data.mdb");
}

}  // namespace careid::directory::storage
