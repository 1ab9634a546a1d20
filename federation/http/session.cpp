#include "federation/http/session.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#ifdef __linux__
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "base/log.h"
#include "federation/http/tls_context.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

// Completion token that returns error codes instead of throwing, so errors stay in this
// layer as error_code and no exception crosses a handler.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Maximum wait for the client's close_notify. RFC 8446 6.1 lets a server close without
// it, so waiting longer gains nothing.
constexpr std::chrono::seconds kShutdownTimeout{2};

// How often a full HandshakeLimiter checks for a free slot.
constexpr std::chrono::milliseconds kHandshakeSlotPoll{5};

// True when the client has already closed or reset the connection (Linux TCP_INFO state).
// Elsewhere returns false, and the handshake finds out instead.
bool closed_by_client(int socket) {
#ifdef __linux__
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return false;
  }
  return info.tcpi_state != TCP_ESTABLISHED;
#else
  (void)socket;
  return false;
#endif
}

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

std::string describe_peer(const asio::ip::tcp::socket& socket, std::uint64_t id) {
  boost::system::error_code ec;
  asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string address = ec ? std::string("unknown") : peer.address().to_string();
  return "peer=" + address + ":" + std::to_string(ec ? 0 : peer.port()) +
         " conn=" + std::to_string(id);
}

// Returns the response for a request that failed to parse. Returns nothing for errors
// after which the client is gone or silent (end of stream, timeout, TLS failure).
std::optional<Response> response_for_read_error(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    return make_text_response(bhttp::status::request_header_fields_too_large,
                              "Request header fields too large.", 11, false);
  }
  if (ec == bhttp::error::body_limit) {
    return make_text_response(bhttp::status::payload_too_large, "Request body too large.", 11,
                              false);
  }
  if (is_http_error(ec) && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message) {
    return make_text_response(bhttp::status::bad_request, "Malformed HTTP request.", 11, false);
  }
  return std::nullopt;
}

}  // namespace

SessionRegistry::AddResult SessionRegistry::try_add(std::uint64_t id,
                                                    const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  if (closed_) {
    return AddResult::kClosed;
  }
  if (sessions_.size() >= max_sessions_) {
    return AddResult::kFull;
  }
  sessions_.emplace(id, session);
  return AddResult::kAdded;
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
  if (sessions_.empty()) {
    emptied_.notify_all();
  }
}

std::size_t SessionRegistry::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionRegistry::close_all() {
  // Close outside the lock, because dropping the last reference runs ~Session, which
  // calls remove() and takes the lock again.
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& [id, weak] : sessions_) {
      if (std::shared_ptr<Session> session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
  }
  for (const std::shared_ptr<Session>& session : live) {
    session->close();
  }
}

std::size_t SessionRegistry::wait_until_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  emptied_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
  return sessions_.size();
}

asio::awaitable<void> HandshakeLimiter::wait_below_limit(asio::any_io_executor executor) {
  // A full limiter polls, so that end() needs no executor: sessions end their handshake
  // from their destructors, also while the io_context is being destroyed.
  while (in_progress_.load() >= max_handshakes_) {
    asio::steady_timer pause(executor, kHandshakeSlotPoll);
    co_await pause.async_wait(kNoThrow);
  }
}

Session::Session(asio::ip::tcp::socket socket, asio::ssl::context& tls, const Router& router,
                 SessionLimits limits, SessionRegistry& registry, std::uint64_t id,
                 HandshakeLimiter* handshakes)
    : stream_(std::move(socket), tls),
      router_(router),
      limits_(limits),
      registry_(registry),
      id_(id),
      handshakes_(handshakes) {
  client_ = describe_peer(beast::get_lowest_layer(stream_).socket(), id_);

  // The server writes only complete handshake flights and responses, so Nagle's algorithm
  // could only hold back their last segment until the client acknowledges the earlier ones.
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
}

Session::~Session() {
  release_handshake_slot();
  registry_.remove(id_);
}

void Session::release_handshake_slot() {
  if (holds_handshake_slot_) {
    handshakes_->end();
    holds_handshake_slot_ = false;
  }
}

void Session::start() {
  asio::co_spawn(
      stream_.get_executor(), run(shared_from_this()),
      [client = client_](std::exception_ptr error) {
        if (!error) {
          return;
        }
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log::get("federation")->error("https session failed {} error=\"{}\"", client, e.what());
        } catch (...) {
          log::get("federation")->error("https session failed {} error=\"unknown\"", client);
        }
      });
}

void Session::close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    beast::get_lowest_layer(self->stream_).cancel();
  });
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  // With GCC 12.2 (Debian 12), `if (!co_await handshake())` here crashed with SIGILL at
  // run time, so awaited values are stored in a variable first.
  bool hello = co_await wait_for_client_hello();
  if (!hello) {
    co_return;
  }
  if (handshakes_ != nullptr) {
    handshakes_->begin();
    holds_handshake_slot_ = true;
  }
  // Under overload a client may give up before careidd gets to its ClientHello. The
  // handshake would then spend a signature on a client that is gone.
  if (closed_by_client(beast::get_lowest_layer(stream_).socket().native_handle())) {
    if (handshakes_ != nullptr) {
      handshakes_->count_closed_by_client();
    }
    log::get("federation")->debug("https connection closed by the client before the handshake {}", client_);
    co_return;
  }

  bool handshake_done = co_await handshake();
  release_handshake_slot();
  if (!handshake_done) {
    co_return;
  }
  card_ = read_peer_certificate(stream_.native_handle());
  log::get("federation")
      ->debug("https connection {} card={} verified={}", client_, card_.present, card_.verified);

  co_await serve_requests();
  co_await shut_down();
}

// Waits until the client's first bytes or its close arrive, without reading them. Returns
// false on the deadline and on close().
asio::awaitable<bool> Session::wait_for_client_hello() {
  asio::steady_timer deadline(stream_.get_executor(), std::min(limits_.handshake_timeout, limits_.request_timeout));
  deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) {
      beast::get_lowest_layer(self->stream_).cancel();
    }
  });
  auto [ec] = co_await beast::get_lowest_layer(stream_).socket().async_wait(
      asio::ip::tcp::socket::wait_read, kNoThrow);
  deadline.cancel();
  if (ec || closing_) {
    log::get("federation")->debug("https no ClientHello {} error=\"{}\"", client_,
                                  ec ? ec.message() : "server stopping");
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Session::handshake() {
  beast::get_lowest_layer(stream_).expires_after(std::min(limits_.handshake_timeout, limits_.request_timeout));
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (ec) {
    log::get("federation")->debug("https handshake failed {} error=\"{}\"", client_, ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Session::serve_requests() {
  while (!closing_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
    parser.body_limit(limits_.max_body_bytes);

    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    auto [ec, bytes] = co_await bhttp::async_read(stream_, buffer_, parser, kNoThrow);
    if (ec) {
      if (std::optional<Response> error = response_for_read_error(ec)) {
        log::get("federation")
            ->debug("https request rejected {} status={} error=\"{}\"", client_,
                    error->result_int(), ec.message());
        co_await write(std::move(*error));
      }
      co_return;
    }

    Request request = parser.release();
    std::string path(request.target().substr(0, request.target().find('?')));
    Response response = co_await router_.route(std::move(request), card_, client_);
    if (closing_) {
      response.keep_alive(false);
    }
    bool keep_alive = response.keep_alive();
    log::get("federation")
        ->debug("https request {} path={} status={}", client_, path, response.result_int());

    bool written = co_await write(std::move(response));
    if (!written || !keep_alive) {
      co_return;
    }
  }
}

asio::awaitable<bool> Session::write(Response response) {
  beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
  auto [ec, bytes] = co_await bhttp::async_write(stream_, response, kNoThrow);
  if (ec) {
    log::get("federation")->debug("https write failed {} error=\"{}\"", client_, ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Session::shut_down() {
  // On server stop there is no time to wait for the client's close_notify.
  if (!closing_) {
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    co_await stream_.async_shutdown(kNoThrow);
  }
  beast::get_lowest_layer(stream_).close();
}

}  // namespace careid::federation::http
