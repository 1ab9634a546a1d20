// OperationState: the stop state of one outstanding operation, shared between
// the session's connection thread and the worker thread that runs it, so that Abandon (RFC 4511
// 4.11) and Cancel (RFC 3909) can stop it.
//
// Stopping is cooperative. An operation that has not started on a worker is skipped
// whole. A running search stops at its next entry. A running update or compare runs to
// its end, because an LMDB write transaction is all or nothing; Cancel then gets tooLate.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "directory/protocol/messages.h"

namespace careid::directory::server {

// LDAP Cancel extended operation (RFC 3909 2).
inline constexpr std::string_view kCancelOid = "1.3.6.1.1.8";
// StartTLS extended operation (RFC 4511 4.14.1).
inline constexpr std::string_view kStartTlsOid = "1.3.6.1.4.1.1466.20037";

class OperationState {
 public:
  enum class StopOutcome {
    kStoppedBeforeStart,  // the worker will skip it
    kStopping,            // a running search; it stops at its next entry
    kTooLate,             // a running update or compare, or one that has finished
  };

  // `interruptible` is true for searches, which may stop between entries.
  explicit OperationState(bool interruptible) : interruptible_(interruptible) {}

  // Worker side: marks the operation running. False when it was stopped before it
  // started; the worker must then skip it.
  bool begin();

  // Worker side: true once a stop was requested; a search checks it before each entry.
  bool stop_requested() const { return stop_requested_.load(std::memory_order_acquire); }

  // Marks the operation finished; a later request_stop() returns kTooLate.
  void finish();

  // Requests a stop from the session's connection thread. Thread-safe against begin() and finish().
  StopOutcome request_stop();

  // Flags of the session's connection thread. `abandoned`: send nothing more for this operation.
  // `cancelled`: a Cancel request is waiting for this operation's final response.
  // `can_be_cancelled`: false for a Cancel request itself (RFC 3909 2, cannotCancel).
  // `responding`: the final response is being written, so the client may already hold it
  // and a Cancel that arrives now finds no outstanding operation (noSuchOperation).
  bool abandoned = false;
  bool responding = false;
  bool cancelled = false;
  bool can_be_cancelled = true;

 private:
  enum Phase : int { kPending, kRunning, kStopped, kFinished };

  const bool interruptible_;
  std::atomic<int> phase_{kPending};
  std::atomic<bool> stop_requested_{false};
};

// Decodes the Cancel requestValue, cancelRequestValue ::= SEQUENCE { cancelID MessageID }
// (RFC 3909 2), and returns the cancelID. Fails with InvalidArgument on a missing value,
// bad BER, trailing bytes or an ID outside 0..maxInt.
Result<std::int32_t> decode_cancel_id(const std::optional<std::string>& request_value);

}  // namespace careid::directory::server
