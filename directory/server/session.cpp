#include "directory/server/session.h"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "directory/ber/framing.h"
#include "directory/engine/naming.h"
#include "directory/protocol/decoder.h"
#include "directory/protocol/encoder.h"
#include "directory/server/ldap_server.h"
#include "directory/server/operations.h"
#include "directory/server/sasl_external.h"
#include "directory/server/session_encoding.h"
#include "directory/server/audit_events.h"
#include "directory/server/worker_call.h"

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using engine::ldap_result;

std::string describe_peer(const asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  return error ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool is_external_bind(const protocol::BindRequest& bind) {
  const auto* sasl = std::get_if<protocol::SaslCredentials>(&bind.authentication);
  return bind.version == 3 && sasl != nullptr && sasl->mechanism == "EXTERNAL";
}

bool is_start_tls(const protocol::Request& request) {
  const auto* extended = std::get_if<protocol::ExtendedRequest>(&request.op);
  return extended != nullptr && extended->request_name == kStartTlsOid;
}

}  // namespace

Session::Session(LdapServer& server, asio::ip::tcp::socket socket, std::uint64_t id, bool ldaps)
    : server_(server),
      id_(id),
      peer_(describe_peer(socket)),
      transport_(std::move(socket)),
      ldaps_(ldaps),
      idle_timer_(transport_.executor()),
      write_timer_(transport_.executor()),
      operations_changed_(transport_.executor(), asio::steady_timer::time_point::max()),
      write_lock_(transport_.executor(), 1) {}

void Session::close() {
  asio::post(transport_.executor(), [self = shared_from_this()] { self->close_now(); });
}

void Session::drain() {
  asio::post(transport_.executor(), [self = shared_from_this()] {
    self->draining_ = true;
    self->transport_.shutdown_receive();
  });
}

void Session::close_now() {
  transport_.close();
  idle_timer_.cancel();
  write_timer_.cancel();
  write_lock_.close();
}

// GCC 12 miscompiles some co_await expressions: temporaries in them are destroyed twice,
// and a co_await inside a condition can crash. So every argument of a co_await call below
// is a named local, and awaited values are stored before they are tested.

void Session::arm_timer(asio::steady_timer& timer, std::chrono::steady_clock::time_point expiry,
                        void (Session::*check)()) {
  timer.expires_at(expiry);
  timer.async_wait([self = shared_from_this(), check](boost::system::error_code error) {
    if (!error) {
      ((*self).*check)();
    }
  });
}

std::optional<std::chrono::steady_clock::time_point> Session::next_check(bool running,
                                                                         std::chrono::steady_clock::time_point started,
                                                                         std::chrono::seconds timeout) {
  const auto now = std::chrono::steady_clock::now();
  if (!running) {
    return now + timeout;
  }
  if (now < started + timeout) {
    return started + timeout;
  }
  return std::nullopt;
}

// The idle timeout closes the connection only when the reader has waited that long and no
// operation is in progress, so a long search does not count as idle time.
void Session::check_idle() {
  if (!transport_.is_open()) {
    return;  // closed while this handler was queued
  }
  const bool idle = reading_ && operations_.empty();
  const auto timeout = std::chrono::seconds(server_.config_.idle_timeout_seconds);
  std::optional<std::chrono::steady_clock::time_point> next = next_check(idle, read_started_, timeout);
  if (next.has_value()) {
    arm_timer(idle_timer_, *next, &Session::check_idle);
    return;
  }
  log::get("directory")->debug("conn={} closed after {} s idle", id_, server_.config_.idle_timeout_seconds);
  close_now();
}

// Reads more bytes into input_. False on end of stream, error or idle timeout.
asio::awaitable<bool> Session::read_more() {
  std::array<char, 16 * 1024> buffer;
  reading_ = true;
  read_started_ = std::chrono::steady_clock::now();
  auto view = asio::buffer(buffer);
  auto [error, size] = co_await transport_.read_some(view);
  reading_ = false;
  input_.append(buffer.data(), size);
  co_return !error;
}

// Runs the TLS handshake under the idle timeout. False when it fails; the caller closes.
asio::awaitable<bool> Session::handshake() {
  reading_ = true;
  read_started_ = std::chrono::steady_clock::now();
  boost::system::error_code error = co_await transport_.handshake(*server_.tls_context_);
  reading_ = false;
  if (error) {
    log::get("directory")->debug("conn={} peer={} TLS handshake failed: {}", id_, peer_, error.message());
    co_return false;
  }

  client_certificate_ = read_client_certificate(transport_.native_tls());
  log::get("directory")->debug("conn={} TLS established, client certificate: {}", id_,
                               client_certificate_->present ? client_certificate_->subject : "none");
  co_return true;
}

asio::awaitable<void> Session::disconnect(ResultCode code, std::string diagnostic) {
  server_.refusal_log_.info("ldap_disconnect", "conn={} peer={} disconnected: {}", id_, peer_, diagnostic);
  std::string notice = protocol::encode_notice_of_disconnection(code, diagnostic);
  co_await send(std::move(notice));
  close_now();
}

asio::awaitable<void> Session::serve(std::shared_ptr<Session> self) {
  co_await self->run();
}

asio::awaitable<void> Session::run() {
  const auto now = std::chrono::steady_clock::now();
  if (server_.config_.idle_timeout_seconds > 0) {
    arm_timer(idle_timer_, now + std::chrono::seconds(server_.config_.idle_timeout_seconds), &Session::check_idle);
  }
  if (server_.config_.write_timeout_seconds > 0) {
    arm_timer(write_timer_, now + std::chrono::seconds(server_.config_.write_timeout_seconds),
              &Session::check_write_deadline);
  }

  bool usable = true;
  if (ldaps_) {
    usable = co_await handshake();
  }

  const std::size_t max_pdu = server_.config_.max_pdu_bytes;
  const std::size_t max_outstanding = server_.config_.max_outstanding_operations;
  while (usable && transport_.is_open() && !draining_) {
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
        co_await send(std::move(response));
        continue;
      }
      std::string reason = "invalid LDAP message: " + error.diagnostic;
      co_await disconnect(error.result_code, std::move(reason));
      break;
    }

    // At the limit, stop reading until an operation completes; the client's requests
    // wait in the socket buffers (RFC 4511 leaves flow control to the transport).
    co_await wait_for_operations(max_outstanding);
    protocol::Request decoded = std::move(*request);
    Next next = co_await handle(std::move(decoded));
    if (next == Next::kClose) {
      break;
    }
  }

  // A drain lets the operations in progress send their responses. Otherwise they are
  // abandoned. Either way they hold the session, so wait for them before unregistering:
  // the server must not stop while a worker may still hand results back.
  if (draining_) {
    co_await wait_for_operations(1);
  }
  abandon_all();
  close_now();
  co_await wait_for_operations(1);
  server_.unregister_session(this);
}

asio::awaitable<Session::Next> Session::handle(protocol::Request request) {
  log::get("directory")->debug("conn={} op={} msgid={}", id_, static_cast<int>(protocol::op_tag(request.op)),
                               request.message_id);
  if (std::holds_alternative<protocol::UnbindRequest>(request.op)) {
    co_return Next::kClose;  // RFC 4511 4.3: no response; outstanding operations are abandoned
  }
  if (const auto* abandon_request = std::get_if<protocol::AbandonRequest>(&request.op)) {
    abandon(abandon_request->message_id);  // RFC 4511 4.11: no response
    co_return Next::kContinue;
  }
  if (std::holds_alternative<protocol::BindRequest>(request.op)) {
    co_await bind(std::move(request));
    co_return Next::kContinue;
  }
  if (is_start_tls(request)) {
    co_await start_tls(std::move(request));
    co_return Next::kContinue;
  }

  // RFC 4511 4.1.1.1: a messageID must not be in use by an outstanding request.
  const std::int32_t message_id = request.message_id;
  if (operations_.contains(message_id)) {
    auto rejected = response_for(request.op, ldap_result(ResultCode::kProtocolError,
                                                         "messageID " + std::to_string(message_id) +
                                                             " is already in use by an outstanding request"));
    std::string bytes = encode(message_id, std::move(rejected));
    co_await send(std::move(bytes));
    co_return Next::kContinue;
  }

  if (std::holds_alternative<protocol::SearchRequest>(request.op)) {
    std::optional<std::string> inline_response = search_inline(request);
    if (inline_response.has_value()) {
      std::string bytes = std::move(*inline_response);
      co_await send(std::move(bytes));
      co_return Next::kContinue;
    }
  }

  auto state = std::make_shared<OperationState>(std::holds_alternative<protocol::SearchRequest>(request.op));
  const auto* extended = std::get_if<protocol::ExtendedRequest>(&request.op);
  state->can_be_cancelled = extended == nullptr || extended->request_name != kCancelOid;
  operations_.emplace(message_id, state);
  asio::co_spawn(transport_.executor(), run_operation(shared_from_this(), std::move(request), state), asio::detached);
  co_return Next::kContinue;
}

// RFC 4511 4.2.1: every outstanding operation completes before the bind runs, and the
// reader reads nothing more until the bind has its response.
asio::awaitable<void> Session::bind(protocol::Request request) {
  const auto started = std::chrono::steady_clock::now();
  co_await wait_for_operations(1);

  const std::int32_t message_id = request.message_id;
  engine::Directory& directory = server_.directory_;
  OperationOutcome outcome;
  const auto& bind_request = std::get<protocol::BindRequest>(request.op);
  audit::Event audit_event = describe_bind(bind_request, peer_);
  if (is_external_bind(bind_request) && !check_controls(request).has_value()) {
    describe_client_certificate(audit_event, client_certificate_ ? &*client_certificate_ : nullptr,
                                server_.config_.suffix);
    std::optional<ClientCertificate> certificate = client_certificate_;
    std::string suffix = server_.config_.suffix;
    auto credentials = std::get<protocol::SaslCredentials>(bind_request.authentication);
    auto work = [&directory, certificate = std::move(certificate), suffix = std::move(suffix),
                 credentials = std::move(credentials), revocations = server_.revocations_] {
      return bind_external(directory, suffix, certificate ? &*certificate : nullptr, credentials, revocations);
    };
    outcome = co_await run_blocking(server_.workers_, std::move(work));
  } else {
    std::optional<OperationOutcome> cheap;
    if (server_.config_.inline_max_candidates > 0) {
      cheap = execute_bind_if_cheap(directory, request);
    }
    if (cheap.has_value()) {
      outcome = std::move(*cheap);
    } else {
      engine::Identity identity = identity_;
      auto work = [&directory, request = std::move(request), identity = std::move(identity)] {
        return execute(directory, request, identity);
      };
      outcome = co_await run_blocking(server_.workers_, std::move(work));
    }
  }

  complete_event(audit_event, outcome.response, outcome.new_identity ? &*outcome.new_identity : nullptr);
  server_.audit_.record(std::move(audit_event));
  server_.metrics_.record(protocol::OpTag::kBindRequest, OperationMetrics::result_code_of(outcome.response),
                          std::chrono::steady_clock::now() - started);
  if (outcome.new_identity.has_value()) {
    identity_ = std::move(*outcome.new_identity);
    log::get("directory")->debug("conn={} bound as '{}'", id_, identity_.dn);
  }
  std::string bytes = encode(message_id, std::move(outcome.response), std::move(outcome.controls));
  co_await send(std::move(bytes));
}

// StartTLS (RFC 4511 4.14, RFC 4513 3): the success response goes out in the clear, then
// the handshake starts on the same connection.
asio::awaitable<void> Session::start_tls(protocol::Request request) {
  const auto started = std::chrono::steady_clock::now();
  protocol::ExtendedResponse response;
  response.response_name = std::string(kStartTlsOid);
  const auto& extended = std::get<protocol::ExtendedRequest>(request.op);
  if (auto rejected = check_controls(request)) {
    response.result = std::move(*rejected);
  } else if (server_.tls_context_ == nullptr) {
    response.result = ldap_result(ResultCode::kUnavailable,
                                  "StartTLS is not configured on this server: ldap.tls_certificate is empty");
  } else if (transport_.is_tls()) {
    response.result = ldap_result(ResultCode::kOperationsError, "TLS is already established on this connection");
  } else if (!operations_.empty()) {
    response.result = ldap_result(ResultCode::kOperationsError,
                                  std::to_string(operations_.size()) +
                                      " operations are outstanding; StartTLS needs none (RFC 4511 4.14.1)");
  } else if (extended.request_value.has_value()) {
    response.result = ldap_result(ResultCode::kProtocolError, "StartTLS takes no requestValue");
  } else {
    response.result = ldap_result(ResultCode::kSuccess);
  }

  const bool start = response.result.result_code == ResultCode::kSuccess;
  server_.metrics_.record(protocol::OpTag::kExtendedRequest, response.result.result_code,
                          std::chrono::steady_clock::now() - started);
  std::string bytes = encode(request.message_id, std::move(response));
  bool sent = co_await send(std::move(bytes));
  if (!start || !sent) {
    co_return;
  }

  // The client must wait for the response before it sends the TLS handshake, so any byte
  // already read is a protocol violation that TLS could not protect.
  if (!input_.empty()) {
    log::get("directory")->info("conn={} peer={} sent data before the StartTLS handshake; closing", id_, peer_);
    close_now();
    co_return;
  }
  bool established = co_await handshake();
  if (!established) {
    close_now();
  }
}

}  // namespace careid::directory::server
