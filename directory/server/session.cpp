#include "directory/server/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"
#include "directory/ber/framing.h"
#include "directory/protocol/decoder.h"
#include "directory/protocol/encoder.h"
#include "directory/server/ldap_server.h"
#include "directory/server/operations.h"

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

// Search results leave the worker in chunks of about this size, so a large result set
// streams to the client instead of piling up in memory.
constexpr std::size_t kSearchChunkBytes = 64 * 1024;
// Chunks queued between the worker and the socket; a slow reader blocks the worker.
constexpr std::size_t kSearchChunksQueued = 4;

using SearchChannel = asio::experimental::concurrent_channel<void(boost::system::error_code, std::string, bool)>;

std::string describe_peer(const asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  return error ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

std::string encode(std::int32_t message_id, protocol::ResponseOp op) {
  return protocol::encode_response(protocol::Response{message_id, std::move(op), {}});
}

// The response to a well-framed request whose operation did not decode (RFC 4511 4.1.1).
std::string encode_error_response(const protocol::DecodeError& error) {
  protocol::LdapResult result;
  result.result_code = error.result_code;
  result.diagnostic_message = error.diagnostic;

  protocol::ResponseOp op;
  switch (*error.response_tag) {
    case protocol::OpTag::kBindResponse: op = protocol::BindResponse{std::move(result), std::nullopt}; break;
    case protocol::OpTag::kSearchResultDone: op = protocol::SearchResultDone{std::move(result)}; break;
    case protocol::OpTag::kModifyResponse: op = protocol::ModifyResponse{std::move(result)}; break;
    case protocol::OpTag::kAddResponse: op = protocol::AddResponse{std::move(result)}; break;
    case protocol::OpTag::kDelResponse: op = protocol::DelResponse{std::move(result)}; break;
    case protocol::OpTag::kModifyDnResponse: op = protocol::ModifyDnResponse{std::move(result)}; break;
    case protocol::OpTag::kCompareResponse: op = protocol::CompareResponse{std::move(result)}; break;
    default: op = protocol::ExtendedResponse{std::move(result), std::nullopt, std::nullopt}; break;
  }
  return encode(error.message_id, std::move(op));
}

}  // namespace

Session::Session(LdapServer& server, asio::ip::tcp::socket socket, std::uint64_t id)
    : server_(server), socket_(std::move(socket)), idle_timer_(socket_.get_executor()), id_(id),
      peer_(describe_peer(socket_)) {}

void Session::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    self->socket_.close(ignored);
    self->idle_timer_.cancel();
  });
}

// GCC 12 miscompiles some co_await expressions: temporaries in them are destroyed twice,
// and a co_await inside a condition can crash. So every argument of a co_await call below
// is a named local, and awaited values are stored before they are tested.

// Reads more bytes into input_. False on end of stream, error or idle timeout.
asio::awaitable<bool> Session::read_more() {
  std::array<char, 16 * 1024> buffer;
  auto read = socket_.async_read_some(asio::buffer(buffer), asio::as_tuple(use_awaitable));

  const unsigned idle_seconds = server_.config_.idle_timeout_seconds;
  if (idle_seconds == 0) {
    auto [error, size] = co_await std::move(read);
    input_.append(buffer.data(), size);
    co_return !error;
  }

  idle_timer_.expires_after(std::chrono::seconds(idle_seconds));
  auto outcome = co_await (std::move(read) || idle_timer_.async_wait(asio::as_tuple(use_awaitable)));
  if (outcome.index() == 1) {
    log::get("directory")->debug("conn={} closed after {} s idle", id_, idle_seconds);
    co_return false;
  }
  auto [error, size] = std::get<0>(outcome);
  input_.append(buffer.data(), size);
  co_return !error;
}

asio::awaitable<void> Session::write(std::string bytes) {
  co_await asio::async_write(socket_, asio::buffer(bytes), asio::as_tuple(use_awaitable));
}

asio::awaitable<void> Session::disconnect(ResultCode code, std::string diagnostic) {
  log::get("directory")->info("conn={} peer={} disconnected: {}", id_, peer_, diagnostic);
  std::string notice = protocol::encode_notice_of_disconnection(code, diagnostic);
  co_await write(std::move(notice));
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> Session::serve(std::shared_ptr<Session> self) {
  co_await self->run();
}

asio::awaitable<void> Session::run() {
  const std::size_t max_pdu = server_.config_.max_pdu_bytes;
  while (socket_.is_open()) {
    ber::Frame frame = ber::frame_pdu(input_, max_pdu);
    if (frame.status == ber::FrameStatus::kNeedMore) {
      bool received = co_await read_more();
      if (!received) {
        break;
      }
      continue;
    }
    if (frame.status == ber::FrameStatus::kTooLarge) {
      std::string reason = "message of " + std::to_string(frame.size) + " bytes is over the limit of " +
                           std::to_string(max_pdu) + " bytes";
      co_await disconnect(ResultCode::kProtocolError, std::move(reason));
      break;
    }
    if (frame.status == ber::FrameStatus::kMalformed) {
      std::string reason = "malformed LDAP message: " + std::string(frame.error);
      co_await disconnect(ResultCode::kProtocolError, std::move(reason));
      break;
    }

    auto request = protocol::decode_request(std::string_view(input_).substr(0, frame.size));
    input_.erase(0, frame.size);
    if (!request.ok()) {
      const protocol::DecodeError& error = request.error();
      if (error.kind == protocol::DecodeErrorKind::kInvalidOperation && error.response_tag.has_value()) {
        std::string response = encode_error_response(error);
        co_await write(std::move(response));
        continue;
      }
      std::string reason = "invalid LDAP message: " + error.diagnostic;
      co_await disconnect(error.result_code, std::move(reason));
      break;
    }
    protocol::Request decoded = std::move(*request);
    Next next = co_await dispatch(std::move(decoded));
    if (next == Next::kClose) {
      break;
    }
  }
  server_.unregister_session(this);
}

asio::awaitable<Session::Next> Session::dispatch(protocol::Request request) {
  log::get("directory")->debug("conn={} op={} msgid={}", id_, static_cast<int>(protocol::op_tag(request.op)),
                               request.message_id);
  if (std::holds_alternative<protocol::UnbindRequest>(request.op)) {
    co_return Next::kClose;  // RFC 4511 4.3: no response
  }
  if (std::holds_alternative<protocol::AbandonRequest>(request.op)) {
    co_return Next::kContinue;  // operations run in order, so the target has finished already
  }
  if (std::holds_alternative<protocol::SearchRequest>(request.op)) {
    co_await run_search(std::move(request));
    co_return Next::kContinue;
  }

  const std::int32_t message_id = request.message_id;
  protocol::ResponseOp response = co_await run_on_workers(std::move(request));
  std::string bytes = encode(message_id, std::move(response));
  co_await write(std::move(bytes));
  co_return Next::kContinue;
}

// Runs `work` on `pool` and resumes the calling coroutine on its own executor with the
// result.
template <class Work>
asio::awaitable<std::invoke_result_t<Work>> run_blocking(asio::thread_pool& pool, Work work) {
  using Value = std::invoke_result_t<Work>;
  auto initiate = [&pool](auto handler, Work job) {
    asio::post(pool, [handler = std::move(handler), job = std::move(job)]() mutable {
      Value value = job();
      auto executor = asio::get_associated_executor(handler);
      asio::post(executor, [handler = std::move(handler), value = std::move(value)]() mutable {
        std::move(handler)(std::move(value));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Value)>(initiate, use_awaitable,
                                                                                      std::move(work));
}

asio::awaitable<protocol::ResponseOp> Session::run_on_workers(protocol::Request request) {
  // The work is a named local, not a temporary in the co_await expression: GCC 12
  // destroys such temporaries twice.
  engine::Directory& directory = server_.directory_;
  engine::Identity identity = identity_;
  auto work = [&directory, request = std::move(request), identity = std::move(identity)] {
    return execute(directory, request, identity);
  };
  OperationOutcome outcome = co_await run_blocking(server_.workers_, std::move(work));

  if (outcome.new_identity.has_value()) {
    identity_ = std::move(*outcome.new_identity);
  }
  co_return std::move(outcome.response);
}

// Streams a search from a worker thread through a bounded channel. When the connection
// goes away the channel is closed, the worker's pending send fails, and the search stops.
asio::awaitable<void> Session::run_search(protocol::Request request) {
  if (auto rejected = check_controls(request)) {
    std::string bytes = encode(request.message_id, protocol::SearchResultDone{std::move(*rejected)});
    co_await write(std::move(bytes));
    co_return;
  }

  auto channel = std::make_shared<SearchChannel>(socket_.get_executor(), kSearchChunksQueued);
  asio::post(server_.workers_, [channel, request = std::move(request), identity = identity_,
                                &directory = server_.directory_] {
    std::string chunk;
    auto send = [&](bool last) {
      channel->async_send(boost::system::error_code{}, std::move(chunk), last, asio::use_future).get();
      chunk.clear();
    };
    try {
      const auto& search = std::get<protocol::SearchRequest>(request.op);
      protocol::LdapResult done = directory.search(search, identity, [&](protocol::SearchResultEntry&& entry) {
        chunk += encode(request.message_id, std::move(entry));
        if (chunk.size() >= kSearchChunkBytes) {
          send(false);
        }
        return true;
      });
      chunk += encode(request.message_id, protocol::SearchResultDone{std::move(done)});
      send(true);
    } catch (const boost::system::system_error&) {
      // The session closed the channel: the client is gone.
    }
  });

  while (true) {
    auto [error, bytes, last] = co_await channel->async_receive(asio::as_tuple(use_awaitable));
    if (error) {
      break;
    }
    co_await write(std::move(bytes));
    if (last || !socket_.is_open()) {
      break;
    }
  }
  channel->close();
}

}  // namespace careid::directory::server
