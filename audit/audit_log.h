// AuditLog: the append-only, hash-chained audit trail (record.h) written by one background
// thread.
//
// Threads: record() may be called from any thread. It stamps the time, puts the event in a
// bounded queue and returns without waiting for the disk, so a login does not wait on
// fsync unless the queue is full. When the queue holds `queue_records` events, record()
// blocks until the writer has taken them. It never drops an event, because a trail that
// silently loses records lets an action go unrecorded. A full queue means the disk is slow
// or failing, and blocking makes that visible to the operator through stalled requests.
//
// Durability (AuditLogOptions::fsync): kRecord calls fdatasync after each record; kGroup
// writes records as they arrive and calls fdatasync at most every group_commit_interval,
// so a crash loses at most that interval of records plus what is still queued. flush()
// waits until everything queued before it is on disk.
//
// Files: `file` is appended to with O_APPEND and mode 0600. When it reaches max_file_bytes
// it is renamed to "<file>.000001" (then .000002, ...) and a new `file` starts with an
// "audit.rotate" record naming the previous file and its last hash, so the chain continues.
// A write holds flock(LOCK_EX) on the file and re-reads the last record when another
// process (careidctl) has appended since, so several processes may share one trail.
//
// Failures: a failed write or fsync is logged on the "audit" logger and retried every
// second; records wait in the queue meanwhile, so callers block once it is full.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/event.h"
#include "base/config.h"
#include "base/status.h"

namespace careid::audit {

enum class FsyncPolicy {
  kRecord,  // fdatasync after every record
  kGroup,   // fdatasync at most every group_commit_interval
};

struct AuditLogOptions {
  std::filesystem::path file;
  FsyncPolicy fsync = FsyncPolicy::kGroup;
  std::chrono::milliseconds group_commit_interval{10};
  // Events queued at most before record() blocks.
  std::size_t queue_records = 4096;
  // Size at which the file is rotated; 0 never rotates.
  std::uint64_t max_file_bytes = 64 * 1024 * 1024;
  // HMAC-SHA256 key for the chain; empty chains with plain SHA-256.
  std::string hmac_key;
  std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now;
};

class AuditLog final : public Sink {
 public:
  // Opens or creates the trail and starts the writer thread. Creates the parent folder.
  // A torn last line (no newline, left by a crash) is cut off, and an "audit.recovered"
  // record stores how many bytes were dropped. Fails with Corruption when the last complete
  // record does not parse, and with FailedPrecondition when the trail's last record uses
  // another chain algorithm than `options` selects (a key added or removed).
  static Result<std::unique_ptr<AuditLog>> open(AuditLogOptions options);

  // Writes and syncs what is queued, then stops the writer.
  ~AuditLog() override;

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `event`; blocks while the queue is full. After close() the event is dropped and
  // an error is logged.
  void record(Event event) override;

  // Blocks until every event queued before the call is written and synced. Returns the
  // writer's last error when it is failing.
  Status flush();

  // flush(), then stops the writer. Later record() calls are dropped.
  Status close();

  struct Impl;

 private:
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds the options from the [audit] section and reads the HMAC key file. A missing key
// file is created with 32 random bytes and mode 0600. A key file readable by group or
// others, or shorter than kMinHmacKeyBytes, is rejected, and so is an fsync value other
// than "record" or "group".
Result<AuditLogOptions> options_from_config(const AuditConfig& config);

// Opens the trail configured in `config`; careidd and careidctl call this.
Result<std::unique_ptr<AuditLog>> open_audit_log(const AuditConfig& config);

// The files of the trail whose current file is `file`, oldest first: the rotated files
// "<file>.NNNNNN" in number order, then `file` when it exists.
std::vector<std::filesystem::path> trail_files(const std::filesystem::path& file);

}  // namespace careid::audit
