#include "directory/server/operation_state.h"

#include "directory/ber/reader.h"

namespace careid::directory::server {

bool OperationState::begin() {
  int expected = kPending;
  return phase_.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel);
}

void OperationState::finish() { phase_.store(kFinished, std::memory_order_release); }

OperationState::StopOutcome OperationState::request_stop() {
  // The flag is set before the phase changes, so a search that begins in between still stops.
  stop_requested_.store(true, std::memory_order_release);

  int expected = kPending;
  if (phase_.compare_exchange_strong(expected, kStopped, std::memory_order_acq_rel)) {
    return StopOutcome::kStoppedBeforeStart;
  }
  if (expected == kStopped) {
    return StopOutcome::kStoppedBeforeStart;
  }
  if (expected == kRunning && interruptible_) {
    return StopOutcome::kStopping;
  }
  return StopOutcome::kTooLate;
}

Result<std::int32_t> decode_cancel_id(const std::optional<std::string>& request_value) {
  if (!request_value.has_value()) {
    return Status::invalid_argument("Cancel request has no requestValue (RFC 3909 2)");
  }
  ber::Reader outer(*request_value);
  auto sequence = outer.read_constructed();
  if (!sequence.ok()) {
    return Status::invalid_argument("Cancel requestValue is not a SEQUENCE: " + sequence.status().message());
  }
  CAREID_RETURN_IF_ERROR(outer.expect_end("cancelRequestValue"));

  auto id = sequence->read_integer();
  if (!id.ok()) {
    return Status::invalid_argument("Cancel cancelID is not an INTEGER: " + id.status().message());
  }
  CAREID_RETURN_IF_ERROR(sequence->expect_end("cancelRequestValue"));
  if (*id < 0 || *id > INT32_MAX) {
    return Status::invalid_argument("Cancel cancelID " + std::to_string(*id) + " is outside 0..2147483647");
  }
  return static_cast<std::int32_t>(*id);
}

}  // namespace careid::directory::server
