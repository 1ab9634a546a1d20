// The operations a session runs concurrently with its reader: searches, the other
// operations on the worker pool, Cancel (RFC 3909) and Abandon (RFC 4511 4.11).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "base/log.h"
#include "directory/engine/naming.h"
#include "directory/server/ldap_server.h"
#include "directory/server/operations.h"
#include "directory/server/session.h"
#include "directory/server/session_encoding.h"
#include "directory/server/audit_events.h"
#include "directory/server/worker_call.h"

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using engine::ldap_result;

// Search results leave the worker in chunks of about this size, so a large result set
// streams to the client instead of piling up in memory.
constexpr std::size_t kSearchChunkBytes = 64 * 1024;
// Chunks queued between the worker and the socket; a slow reader blocks the worker.
constexpr std::size_t kSearchChunksQueued = 4;

using SearchChannel = asio::experimental::concurrent_channel<void(boost::system::error_code, std::string, bool)>;

protocol::LdapResult canceled_result() {
  return ldap_result(ResultCode::kCanceled, "the operation was canceled by a Cancel request");
}

// Runs a search on the calling worker thread and sends its encoded results through
// `channel`, the last chunk with `last` set. Stops at the next entry once a stop is
// requested, and ends when the session closes the channel.
void stream_search(engine::Directory& directory, const protocol::Request& request, const engine::Identity& identity,
                   PagedSearches& paged, OperationState& state, SearchChannel& channel, OperationMetrics& metrics,
                   std::chrono::steady_clock::time_point started) {
  std::string chunk;
  auto send = [&](bool last) {
    channel.async_send(boost::system::error_code{}, std::move(chunk), last, asio::use_future).get();
    chunk.clear();
  };
  try {
    if (!state.begin()) {
      chunk = encode(request.message_id, protocol::SearchResultDone{canceled_result()});
      send(true);
      return;
    }
    auto sink = [&](protocol::SearchResultEntry&& entry) {
      if (state.stop_requested()) {
        return false;
      }
      chunk += encode(request.message_id, std::move(entry));
      if (chunk.size() >= kSearchChunkBytes) {
        send(false);
      }
      return true;
    };
    SearchOutcome outcome = run_search(directory, request, identity, sink, paged);
    if (state.stop_requested()) {
      outcome.result = canceled_result();
    }
    metrics.record(protocol::OpTag::kSearchRequest, outcome.result.result_code,
                   std::chrono::steady_clock::now() - started);
    chunk += encode(request.message_id, protocol::SearchResultDone{std::move(outcome.result)},
                    std::move(outcome.controls));
    send(true);
  } catch (const boost::system::system_error&) {
    // The session closed the channel: the search was abandoned or the client is gone.
  }
}

}  // namespace

asio::awaitable<void> Session::run_operation(std::shared_ptr<Session> self, protocol::Request request,
                                             std::shared_ptr<OperationState> state) {
  const std::int32_t message_id = request.message_id;
  const auto* extended = std::get_if<protocol::ExtendedRequest>(&request.op);
  if (std::holds_alternative<protocol::SearchRequest>(request.op)) {
    co_await self->run_search(std::move(request), state);
  } else if (extended != nullptr && extended->request_name == kCancelOid) {
    co_await self->run_cancel(std::move(request));
  } else {
    co_await self->run_on_workers(std::move(request), state);
  }

  state->finish();
  auto entry = self->operations_.find(message_id);
  if (entry != self->operations_.end() && entry->second == state) {
    self->operations_.erase(entry);
  }
  self->notify_operations_changed();
}

asio::awaitable<void> Session::run_on_workers(protocol::Request request, std::shared_ptr<OperationState> state) {
  const std::int32_t message_id = request.message_id;
  const protocol::OpTag tag = protocol::op_tag(request.op);
  const auto started = std::chrono::steady_clock::now();
  engine::Directory& directory = server_.directory_;
  engine::Identity identity = identity_;
  std::optional<audit::Event> audit_event = describe_update(request, identity_, peer_);
  auto work = [&directory, request = std::move(request), identity = std::move(identity), state] {
    if (!state->begin()) {
      return OperationOutcome{response_for(request.op, canceled_result()), std::nullopt, {}};
    }
    return execute(directory, request, identity);
  };
  OperationOutcome outcome = co_await run_blocking(server_.workers_, std::move(work));
  server_.metrics_.record(tag, OperationMetrics::result_code_of(outcome.response),
                          std::chrono::steady_clock::now() - started);
  if (audit_event.has_value()) {
    complete_event(*audit_event, outcome.response);
    server_.audit_.record(std::move(*audit_event));
  }

  if (state->abandoned) {
    co_return;
  }
  std::string bytes = encode(message_id, std::move(outcome.response), std::move(outcome.controls));
  state->responding = true;
  co_await send(std::move(bytes));
}

// Streams a search from a worker thread through a bounded channel. When the search is
// abandoned or the connection goes away, the worker stops at its next entry.
asio::awaitable<void> Session::run_search(protocol::Request request, std::shared_ptr<OperationState> state) {
  if (auto rejected = check_controls(request)) {
    std::string bytes = encode(request.message_id, protocol::SearchResultDone{std::move(*rejected)});
    co_await send(std::move(bytes));
    co_return;
  }

  auto channel = std::make_shared<SearchChannel>(transport_.executor(), kSearchChunksQueued);
  // TODO: the searches of one connection whose client reads slowly can occupy every worker
  // thread, delaying other connections until ldap.write_timeout_seconds disconnects it.
  // The worker keeps a reference to the session because an abandoned search may still be running on it
  // after this coroutine has returned.
  asio::post(server_.workers_, [channel, request = std::move(request), identity = identity_,
                                &directory = server_.directory_, state, self = shared_from_this(),
                                started = std::chrono::steady_clock::now()] {
    stream_search(directory, request, identity, self->paged_searches_, *state, *channel, self->server_.metrics_,
                  started);
  });

  // After an Abandon or a failed write the chunks are dropped. The loop still drains the
  // channel until the worker's last chunk, so no worker stays blocked in a send, and the
  // operation stays outstanding until its worker is done.
  bool delivering = true;
  while (true) {
    auto token = asio::as_tuple(use_awaitable);
    auto [error, bytes, last] = co_await channel->async_receive(token);
    if (error) {
      break;
    }
    if (last) {
      state->responding = true;
    }
    if (delivering && !state->abandoned) {
      delivering = co_await send(std::move(bytes));
    } else {
      delivering = false;
    }
    if (!delivering) {
      state->request_stop();
    }
    if (last) {
      break;
    }
  }
  channel->close();
}

// RFC 3909 3: the Cancel response comes after the canceled operation's own response, which
// carries resultCode canceled. Cancel itself then returns success.
asio::awaitable<void> Session::run_cancel(protocol::Request request) {
  const auto started = std::chrono::steady_clock::now();
  protocol::ExtendedResponse response;
  const auto& extended = std::get<protocol::ExtendedRequest>(request.op);
  auto target = decode_cancel_id(extended.request_value);
  if (auto rejected = check_controls(request)) {
    response.result = std::move(*rejected);
  } else if (!target.ok()) {
    response.result = ldap_result(ResultCode::kProtocolError, target.status().message());
  } else {
    response.result = co_await cancel_operation(*target);
  }

  log::get("directory")->debug("conn={} cancel msgid={} result={}", id_, target.ok() ? *target : -1,
                               static_cast<int>(response.result.result_code));
  server_.metrics_.record(protocol::OpTag::kExtendedRequest, response.result.result_code,
                          std::chrono::steady_clock::now() - started);
  std::string bytes = encode(request.message_id, std::move(response));
  co_await send(std::move(bytes));
}

asio::awaitable<protocol::LdapResult> Session::cancel_operation(std::int32_t target) {
  auto found = operations_.find(target);
  if (found == operations_.end() || found->second->abandoned || found->second->responding) {
    co_return ldap_result(ResultCode::kNoSuchOperation, "no outstanding operation has messageID " + std::to_string(target));
  }
  std::shared_ptr<OperationState> state = found->second;
  if (!state->can_be_cancelled) {
    co_return ldap_result(ResultCode::kCannotCancel, "a Cancel request cannot be canceled");
  }
  if (state->request_stop() == OperationState::StopOutcome::kTooLate) {
    co_return ldap_result(ResultCode::kTooLate, "the operation has progressed too far to be canceled");
  }

  state->cancelled = true;
  while (true) {
    auto current = operations_.find(target);
    if (current == operations_.end() || current->second != state) {
      break;
    }
    auto token = asio::as_tuple(use_awaitable);
    co_await operations_changed_.async_wait(token);
  }
  co_return ldap_result(ResultCode::kSuccess);
}

// RFC 4511 4.11: the abandoned operation sends nothing more. Bind, Unbind and StartTLS
// never appear here because they run on the reader, not as outstanding operations.
void Session::abandon(std::int32_t message_id) {
  auto found = operations_.find(message_id);
  if (found == operations_.end()) {
    return;
  }
  found->second->abandoned = true;
  found->second->request_stop();
  log::get("directory")->debug("conn={} abandoned msgid={}", id_, message_id);
}

void Session::abandon_all() {
  for (auto& [message_id, state] : operations_) {
    state->abandoned = true;
    state->request_stop();
  }
}

}  // namespace careid::directory::server
