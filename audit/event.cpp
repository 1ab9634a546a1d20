#include "audit/event.h"

namespace careid::audit {
namespace {

class NullSink final : public Sink {
 public:
  void record(Event) override {}
};

}  // namespace

std::string peer_address(std::string_view context) {
  std::size_t start = context.find("peer=");
  if (start == std::string_view::npos) {
    return std::string(context);
  }
  start += 5;
  std::size_t end = context.find(' ', start);
  return std::string(context.substr(start, end == std::string_view::npos ? end : end - start));
}

Sink& null_sink() {
  static NullSink sink;
  return sink;
}

void record_card_event(Sink& sink, const CardEvent& card) {
  Event event;
  event.type = "card." + card.action;
  event.actor = card.actor.empty() ? kAnonymous : card.actor;
  event.subject = card.uid;
  event.outcome = card.outcome;
  event.client = card.client;
  if (!card.serial.empty()) {
    event.details["serial"] = card.serial;
  }
  if (!card.reason.empty()) {
    event.details["reason"] = card.reason;
  }
  sink.record(std::move(event));
}

}  // namespace careid::audit
