#include "directory/storage/lmdb_handle.h"

#include <sys/statvfs.h>

#include <cerrno>

#include "directory/storage/store_state.h"

namespace careid::directory::storage::detail {

namespace {

std::string describe(int rc, std::string_view operation, const std::filesystem::path& folder) {
  std::string message(operation);
  message += " in ";
  message += folder.string();
  message += ": ";
  message += mdb_strerror(rc);
  return message;
}

// Returns "N MiB free on its file system" for `folder`, or a note that statvfs failed.
std::string free_space_text(const std::filesystem::path& folder) {
  struct statvfs info {};
  if (::statvfs(folder.c_str(), &info) != 0) {
    return "free space unknown";
  }
  const unsigned long long free_mib =
      static_cast<unsigned long long>(info.f_bavail) * info.f_frsize / (1024 * 1024);
  return std::to_string(free_mib) + " MiB free on its file system";
}

}  // namespace

Status lmdb_status(int rc, std::string_view operation, const std::filesystem::path& folder) {
  const std::string message = describe(rc, operation, folder);
  switch (rc) {
    case MDB_SUCCESS:
      return Status::ok_status();
    case MDB_MAP_FULL:
      return Status::resource_exhausted(
          message +
          "; the store has reached its map size, raise map_size_mib in the "
          "configuration and restart");
    case MDB_READERS_FULL:
      return Status::resource_exhausted(
          message + "; too many concurrent read transactions, raise the store's max_readers");
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
      return Status::resource_exhausted(message + "; commit in smaller batches");
    case MDB_MAP_RESIZED:
      return Status::failed_precondition(message +
                                         "; another process grew the map, restart this process");
    case MDB_NOTFOUND:
      return Status::not_found(message);
    case MDB_KEYEXIST:
      return Status::already_exists(message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_INCOMPATIBLE:
    case MDB_BAD_VALSIZE:
      return Status::corruption(message);
    case MDB_VERSION_MISMATCH:
      return Status::failed_precondition(message +
                                         "; the store was written by another LMDB version");
    case ENOENT:
      return Status::not_found(message + "; check that the folder exists");
    case EACCES:
    case EPERM:
      return Status::permission_denied(
          message + "; the careid user needs read and write access to the folder and its files");
    case EROFS:
      return Status::permission_denied(message + "; the file system is mounted read-only");
    case ENOSPC:
      return Status::resource_exhausted(message + "; the disk is full");
    case EDQUOT:
      return Status::resource_exhausted(message + "; the careid user's disk quota is used up");
    case EFBIG:
      return Status::resource_exhausted(
          message + "; the file reached the process's file size limit (ulimit -f), raise it");
    case EAGAIN:
    case EBUSY:
      return Status::unavailable(message + "; another process holds the store's lock");
    case ENOMEM:
      return Status::resource_exhausted(message + "; out of memory or address space");
    case EIO:
      // LMDB reports a short write as EIO, so a full disk or a file size limit often
      // arrives here rather than as ENOSPC or EFBIG.
      return Status::io_error(message + "; " + free_space_text(folder) +
                              ", check free space, the disk quota, the file size limit "
                              "(ulimit -f) and the kernel log");
    case EINVAL:
      return Status::internal(message);
    default:
      return Status::io_error(message);
  }
}

Result<CursorHandle> open_cursor(MDB_txn* txn, MDB_dbi dbi, const std::filesystem::path& folder) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "open cursor", folder);
  }
  return CursorHandle(cursor);
}

IdBytes encode_id(std::uint64_t id) {
  IdBytes bytes;
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(id & 0xff);
    id >>= 8;
  }
  return bytes;
}

void TxnAborter::operator()(MDB_txn* txn) const {
  if (idle == nullptr) {
    mdb_txn_abort(txn);
    return;
  }
  mdb_txn_reset(txn);
  idle->keep(txn);
}

MDB_txn* IdleReadTransactions::take() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) {
    return nullptr;
  }
  MDB_txn* txn = idle_.back();
  idle_.pop_back();
  return txn;
}

void IdleReadTransactions::keep(MDB_txn* txn) {
  {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(txn);
      return;
    }
  }
  mdb_txn_abort(txn);
}

void IdleReadTransactions::clear() {
  std::lock_guard lock(mutex_);
  for (MDB_txn* txn : idle_) {
    mdb_txn_abort(txn);
  }
  idle_.clear();
}

}  // namespace careid::directory::storage::detail
