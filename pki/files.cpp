#include "pki/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace careid::pki {

namespace {

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Status errno_status(std::string_view action, const std::filesystem::path& path, int error) {
  std::string message =
      "cannot " + std::string(action) + " " + path.string() + ": " + std::strerror(error);
  if (error == EEXIST) {
    return Status::already_exists(message + " (remove the old file first)");
  }
  if (error == ENOENT) {
    return Status::not_found(message);
  }
  return Status::io_error(message);
}

Status write_all(int fd, const std::filesystem::path& path, std::string_view contents) {
  while (!contents.empty()) {
    ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      return errno_status("write", path, errno);
    }
    contents.remove_prefix(static_cast<std::size_t>(written));
  }

  if (::fsync(fd) != 0) {
    return errno_status("fsync", path, errno);
  }
  return Status::ok_status();
}

Status write_file(const std::filesystem::path& path, std::string_view contents, int flags,
                  mode_t mode) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode));
  if (fd.get() < 0) {
    return errno_status("create", path, errno);
  }
  return write_all(fd.get(), path, contents);
}

std::string octal_mode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

// Reads the whole of an open file after checking its type and size. With `require_private`,
// it also checks that group and others have no permission on the file.
Result<std::string> read_open_file(int fd, const std::filesystem::path& path,
                                   bool require_private) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return errno_status("stat", path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::invalid_argument(path.string() + " is not a regular file");
  }
  if (require_private && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::failed_precondition(
        "private key file " + path.string() + " has mode " + octal_mode(info.st_mode) +
        ", which lets group or others access it; run `chmod 600 " + path.string() + "`");
  }
  if (static_cast<std::size_t>(info.st_size) > kMaxPkiFileBytes) {
    return Status::invalid_argument(path.string() + " is " + std::to_string(info.st_size) +
                                    " bytes, more than the maximum of " +
                                    std::to_string(kMaxPkiFileBytes));
  }

  std::string contents;
  char buffer[8192];
  while (contents.size() <= kMaxPkiFileBytes) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      return errno_status("read", path, errno);
    }
    if (count == 0) {
      return contents;
    }
    contents.append(buffer, static_cast<std::size_t>(count));
  }
  return Status::invalid_argument(path.string() + " grew beyond the maximum of " +
                                  std::to_string(kMaxPkiFileBytes) + " bytes while being read");
}

Result<std::string> read_file(const std::filesystem::path& path, bool require_private) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return errno_status("open", path, errno);
  }
  return read_open_file(fd.get(), path, require_private);
}

}  // namespace

Status write_private_file(const std::filesystem::path& path, std::string_view contents) {
  // O_EXCL also refuses a symbolic link planted at `path` (open(2)).
  return write_file(path, contents, O_EXCL, S_IRUSR | S_IWUSR);
}

Status write_public_file(const std::filesystem::path& path, std::string_view contents) {
  return write_file(path, contents, O_TRUNC | O_NOFOLLOW, S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH);
}

Result<std::string> read_private_file(const std::filesystem::path& path) {
  return read_file(path, true);
}

Result<std::string> read_public_file(const std::filesystem::path& path) {
  return read_file(path, false);
}

}  // namespace careid::pki
