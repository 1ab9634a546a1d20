#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "audit/record.h"
#include "audit/trail_file.h"
#include "base/log.h"
#include "pki/digest.h"
#include "pki/files.h"

namespace careid::audit {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Pause between retries of a failed write or fsync.
constexpr std::chrono::seconds kRetryInterval{1};

struct QueuedEvent {
  Event event;
  std::string time;
};

Status errno_status(const std::string& action, const fs::path& path) {
  return Status::io_error(action + " " + path.string() + ": " + std::strerror(errno));
}

// Writes all of `bytes`, resuming after short writes. On failure `written` is the count
// that went out, so the caller retries with the rest and never writes a record twice.
Status write_all(int fd, std::string_view bytes, std::size_t& written, const fs::path& path) {
  written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return errno_status("cannot write", path);
    }
    written += static_cast<std::size_t>(n);
  }
  return Status::ok_status();
}

Status sync_folder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("cannot open folder", folder);
  }
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::ok_status() : errno_status("cannot fsync folder", folder);
}

}  // namespace

struct AuditLog::Impl {
  AuditLogOptions options;
  std::string alg;

  // Guarded by mutex: the queue, the counters and the flags.
  std::mutex mutex;
  std::condition_variable queue_changed;  // events queued, stop or flush requested
  std::condition_variable space_or_sync;  // room in the queue, or synced_count advanced
  std::deque<QueuedEvent> queue;
  std::uint64_t queued_count = 0;  // events ever queued
  std::uint64_t synced_count = 0;  // events written and synced
  bool flush_requested = false;
  bool stopping = false;
  bool closed = false;
  Status writer_error;

  // Writer thread only.
  int fd = -1;
  ChainTail tail;
  std::uint64_t file_bytes = 0;
  std::string unwritten;  // sealed lines not yet on disk, after a failed write
  std::uint64_t unwritten_count = 0;
  std::uint64_t written_count = 0;
  bool unsynced = false;
  Clock::time_point last_sync = Clock::now();
  std::thread writer;

  ~Impl() {
    if (fd >= 0) {
      ::close(fd);
    }
  }

  Status open_file();
  Status lock_and_resync();
  Status rotate();
  Status seal(const Event& event, const std::string& time);
  Status write_unwritten();
  Status sync();
  void run();
  bool drain(std::deque<QueuedEvent>& batch);
  Status process(std::deque<QueuedEvent>& batch, bool must_sync);
  void set_error(const Status& status);
};

Status AuditLog::Impl::open_file() {
  if (fd >= 0) {
    ::close(fd);
  }
  fd = ::open(options.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno_status("cannot open audit log", options.file);
  }
  return Status::ok_status();
}

// Takes the file lock and makes `tail` the trail's real end. Another process may have
// appended (the size changed) or rotated the file (the path names another inode).
Status AuditLog::Impl::lock_and_resync() {
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (::flock(fd, LOCK_EX) != 0) {
      return errno_status("cannot lock", options.file);
    }
    struct stat by_path{};
    struct stat by_fd{};
    if (::fstat(fd, &by_fd) != 0) {
      return errno_status("cannot stat", options.file);
    }
    bool replaced = ::stat(options.file.c_str(), &by_path) != 0 || by_path.st_ino != by_fd.st_ino ||
                    by_path.st_dev != by_fd.st_dev;
    if (replaced) {
      ::flock(fd, LOCK_UN);
      CAREID_RETURN_IF_ERROR(open_file());
      file_bytes = UINT64_MAX;
      continue;
    }
    if (static_cast<std::uint64_t>(by_fd.st_size) != file_bytes) {
      Result<ChainTail> found = read_chain_tail(options.file);
      if (!found.ok()) {
        ::flock(fd, LOCK_UN);
        return found.status();
      }
      tail = std::move(*found);
      file_bytes = static_cast<std::uint64_t>(by_fd.st_size);
    }
    return Status::ok_status();
  }
  return Status::unavailable("audit log " + options.file.string() + " keeps being replaced by another process");
}

Status AuditLog::Impl::seal(const Event& event, const std::string& time) {
  Result<SealedRecord> sealed = seal_record(event, tail.seq + 1, time, tail.hash, options.hmac_key);
  if (sealed.ok() && sealed->line.size() > kMaxRecordBytes) {
    // The reader of the trail's tail (read_chain_tail) bounds a record's size, so an
    // oversized record keeps its type, actor and subject but loses its details.
    Event shortened = event;
    shortened.details = {{"details_dropped_bytes", sealed->line.size()}};
    log::get("audit")->warn("audit event {} is {} bytes; its details were dropped", event.type, sealed->line.size());
    sealed = seal_record(shortened, tail.seq + 1, time, tail.hash, options.hmac_key);
  }
  if (!sealed.ok()) {
    return sealed.status();
  }
  tail.seq = sealed->seq;
  tail.hash = std::move(sealed->hash);
  unwritten += sealed->line;
  ++unwritten_count;
  return Status::ok_status();
}

Status AuditLog::Impl::write_unwritten() {
  if (unwritten.empty()) {
    return Status::ok_status();
  }
  std::size_t written = 0;
  Status status = write_all(fd, unwritten, written, options.file);
  file_bytes += written;
  unwritten.erase(0, written);
  if (!status.ok()) {
    return status;
  }
  written_count += unwritten_count;
  unwritten_count = 0;
  unsynced = true;
  return Status::ok_status();
}

Status AuditLog::Impl::sync() {
  if (!unsynced) {
    return Status::ok_status();
  }
  if (::fdatasync(fd) != 0) {
    return errno_status("cannot fdatasync", options.file);
  }
  unsynced = false;
  last_sync = Clock::now();
  return Status::ok_status();
}

// Renames the full file to the next "<file>.NNNNNN", starts a new file and chains it with
// an "audit.rotate" record. Runs with the old file's lock held.
Status AuditLog::Impl::rotate() {
  CAREID_RETURN_IF_ERROR(sync());
  fs::path rotated = next_rotated_name(options.file);
  if (::rename(options.file.c_str(), rotated.c_str()) != 0) {
    return errno_status("cannot rename audit log to " + rotated.string() + ":", options.file);
  }
  CAREID_RETURN_IF_ERROR(sync_folder(options.file.parent_path()));
  ::flock(fd, LOCK_UN);
  CAREID_RETURN_IF_ERROR(open_file());
  file_bytes = 0;
  CAREID_RETURN_IF_ERROR(lock_and_resync());

  Event event;
  event.type = "audit.rotate";
  event.actor = "careid";
  event.client = "local";
  event.details = {{"previous_file", rotated.filename().string()},
                   {"previous_last_hash", tail.hash},
                   {"previous_last_seq", tail.seq}};
  CAREID_RETURN_IF_ERROR(seal(event, format_time(options.clock())));
  // The rotate record is not one of the callers' events, so it does not count towards them.
  --unwritten_count;
  CAREID_RETURN_IF_ERROR(write_unwritten());
  log::get("audit")->info("rotated {} to {}", options.file.string(), rotated.string());
  return Status::ok_status();
}

// Seals and writes `batch` under the file lock, rotating when the file is full. A batch
// that failed half-way keeps its sealed lines in `unwritten` for the next attempt.
Status AuditLog::Impl::process(std::deque<QueuedEvent>& batch, bool must_sync) {
  CAREID_RETURN_IF_ERROR(lock_and_resync());
  Status status = Status::ok_status();
  if (!unwritten.empty()) {
    status = write_unwritten();
  }
  while (status.ok() && !batch.empty()) {
    status = seal(batch.front().event, batch.front().time);
    if (!status.ok()) {
      break;
    }
    batch.pop_front();
    if (options.fsync == FsyncPolicy::kRecord) {
      status = write_unwritten();
      if (status.ok()) status = sync();
    }
    if (status.ok() && options.max_file_bytes != 0 && file_bytes + unwritten.size() >= options.max_file_bytes) {
      status = write_unwritten();
      if (status.ok()) status = rotate();
    }
  }
  if (status.ok()) status = write_unwritten();
  bool interval_passed = Clock::now() - last_sync >= options.group_commit_interval;
  if (status.ok() && (must_sync || interval_passed)) status = sync();
  ::flock(fd, LOCK_UN);
  return status;
}

void AuditLog::Impl::set_error(const Status& status) {
  std::lock_guard lock(mutex);
  if (status.ok() && !writer_error.ok()) {
    log::get("audit")->info("audit log {} is writable again", options.file.string());
  } else if (!status.ok() && writer_error.ok()) {
    log::get("audit")->error("audit log {}: {}; retrying every {} s, callers block once {} events are queued",
                             options.file.string(), status.message(), kRetryInterval.count(),
                             options.queue_records);
  }
  writer_error = status;
}

// Waits for work and takes the queue. Returns false when the writer should exit.
bool AuditLog::Impl::drain(std::deque<QueuedEvent>& batch) {
  std::unique_lock lock(mutex);
  auto has_work = [&] { return !queue.empty() || stopping || flush_requested; };
  if (unsynced) {
    queue_changed.wait_until(lock, last_sync + options.group_commit_interval, has_work);
  } else {
    queue_changed.wait(lock, has_work);
  }
  while (!queue.empty()) {
    batch.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  space_or_sync.notify_all();
  return !(stopping && batch.empty() && unwritten.empty() && !unsynced);
}

void AuditLog::Impl::run() {
  std::deque<QueuedEvent> batch;
  while (drain(batch)) {
    bool must_sync;
    {
      std::lock_guard lock(mutex);
      must_sync = flush_requested || stopping;
    }
    Status status = process(batch, must_sync);
    set_error(status);
    if (!status.ok()) {
      std::unique_lock lock(mutex);
      if (stopping) {
        log::get("audit")->error("audit log {}: {} events lost at shutdown", options.file.string(),
                                 batch.size() + unwritten_count);
        return;
      }
      queue_changed.wait_for(lock, kRetryInterval, [&] { return stopping; });
      continue;
    }
    std::lock_guard lock(mutex);
    if (!unsynced) {
      synced_count = written_count;
      flush_requested = false;
      space_or_sync.notify_all();
    }
  }
}

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditLog::~AuditLog() {
  Status status = close();
  if (!status.ok()) {
    log::get("audit")->error("closing audit log: {}", status.message());
  }
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditLogOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->alg = impl->options.hmac_key.empty() ? kAlgSha256 : kAlgHmacSha256;
  const fs::path& file = impl->options.file;

  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  if (error) {
    return Status::io_error("cannot create folder " + file.parent_path().string() + ": " + error.message());
  }
  CAREID_RETURN_IF_ERROR(impl->open_file());
  if (::flock(impl->fd, LOCK_EX) != 0) {
    return errno_status("cannot lock", file);
  }
  Result<std::uint64_t> dropped = cut_torn_tail(impl->fd, file);
  Result<ChainTail> tail = dropped.ok() ? read_chain_tail(file) : Result<ChainTail>(dropped.status());
  ::flock(impl->fd, LOCK_UN);
  if (!tail.ok()) {
    return tail.status();
  }
  if (!tail->alg.empty() && tail->alg != impl->alg) {
    return Status::failed_precondition(
        "audit log " + file.string() + " is chained with " + tail->alg + " but the configuration selects " +
        impl->alg + " (audit.hmac_key_file); move the trail's files away to start a new trail, or change the key setting back");
  }
  impl->tail = std::move(*tail);
  impl->file_bytes = UINT64_MAX;

  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->run(); });
  std::unique_ptr<AuditLog> audit_log(new AuditLog(std::move(impl)));
  if (*dropped != 0) {
    log::get("audit")->warn("audit log {}: cut {} bytes of a torn last record", file.string(), *dropped);
    Event event;
    event.type = "audit.recovered";
    event.actor = "careid";
    event.client = "local";
    event.details = {{"dropped_bytes", *dropped}};
    audit_log->record(std::move(event));
  }
  return audit_log;
}

void AuditLog::record(Event event) {
  std::unique_lock lock(impl_->mutex);
  if (impl_->closed) {
    log::get("audit")->error("audit event {} after the audit log was closed; not recorded", event.type);
    return;
  }
  impl_->space_or_sync.wait(lock, [&] { return impl_->queue.size() < impl_->options.queue_records; });
  std::string time = format_time(impl_->options.clock());
  impl_->queue.push_back(QueuedEvent{std::move(event), std::move(time)});
  ++impl_->queued_count;
  impl_->queue_changed.notify_one();
}

Status AuditLog::flush() {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->writer.joinable()) {
    return impl_->writer_error;
  }
  std::uint64_t target = impl_->queued_count;
  impl_->flush_requested = true;
  impl_->queue_changed.notify_one();
  impl_->space_or_sync.wait(lock, [&] { return impl_->synced_count >= target || !impl_->writer_error.ok(); });
  return impl_->writer_error;
}

Status AuditLog::close() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->closed) {
      return impl_->writer_error;
    }
    impl_->closed = true;
    impl_->stopping = true;
    impl_->queue_changed.notify_one();
  }
  if (impl_->writer.joinable()) {
    impl_->writer.join();
  }
  std::lock_guard lock(impl_->mutex);
  return impl_->writer_error;
}

Result<AuditLogOptions> options_from_config(const AuditConfig& config) {
  AuditLogOptions options;
  options.file = config.file;
  if (config.fsync == "record") {
    options.fsync = FsyncPolicy::kRecord;
  } else if (config.fsync == "group") {
    options.fsync = FsyncPolicy::kGroup;
  } else {
    return Status::invalid_argument("audit.fsync: unknown policy '" + config.fsync + "'; use \"record\" or \"group\"");
  }
  options.group_commit_interval = std::chrono::milliseconds(config.group_commit_ms);
  options.queue_records = config.queue_records;
  options.max_file_bytes = std::uint64_t{config.max_file_mib} * 1024 * 1024;
  if (!config.hmac_key_file.empty()) {
    Result<std::string> key = read_or_create_hmac_key(config.hmac_key_file);
    if (!key.ok()) {
      return key.status();
    }
    options.hmac_key = std::move(*key);
  }
  return options;
}

Result<std::unique_ptr<AuditLog>> open_audit_log(const AuditConfig& config) {
  Result<AuditLogOptions> options = options_from_config(config);
  if (!options.ok()) {
    return options.status();
  }
  return AuditLog::open(std::move(*options));
}

}  // namespace careid::audit
