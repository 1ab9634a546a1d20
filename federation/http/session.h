// Session: one HTTPS connection, served by one coroutine on the connection's strand.
//
// The session owns its TLS stream, read buffer and the certificate verdict of its
// handshake. The coroutine frame owns a shared_ptr to the session, so everything a pending
// operation touches lives until that operation completes. One read or one write is in
// flight at a time: requests are served strictly one after another (no pipelining).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "federation/http/router.h"
#include "federation/sso/card_login.h"

namespace careid::federation::http {

struct SessionLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  // Deadline for reading one request (or waiting for the next one on a kept-alive
  // connection), and for writing one response.
  std::chrono::seconds request_timeout{30};
  // Deadline for the client's ClientHello, and again for the TLS handshake after it. The
  // shorter of this and request_timeout applies.
  std::chrono::seconds handshake_timeout{10};
};

// Bounds the TLS handshakes in progress: those whose ClientHello has arrived, because only
// they cost CPU. The accept loop waits in wait_below_limit() before each accept, so at the
// limit new connections wait in the kernel's accept queue. A connection that never sends a
// ClientHello takes no slot and ends at its handshake deadline. Thread-safe; must outlive
// the sessions that hold a slot.
class HandshakeLimiter {
 public:
  explicit HandshakeLimiter(std::size_t max_handshakes)
      : max_handshakes_(std::max<std::size_t>(max_handshakes, 1)) {}

  // Waits on `executor` until fewer than max_handshakes are in progress. It takes no slot,
  // so a few more handshakes than the limit may start when several ClientHellos arrive at
  // once. Only one coroutine at a time may call it (the accept loop).
  boost::asio::awaitable<void> wait_below_limit(boost::asio::any_io_executor executor);

  void begin() { ++in_progress_; }
  void end() { --in_progress_; }
  // Counts a connection dropped before its handshake because the client had closed it.
  void count_closed_by_client() { ++closed_by_client_; }

  std::size_t in_progress() const { return in_progress_.load(); }
  std::uint64_t closed_by_client() const { return closed_by_client_.load(); }

 private:
  const std::size_t max_handshakes_;
  std::atomic<std::size_t> in_progress_{0};
  std::atomic<std::uint64_t> closed_by_client_{0};
};

class Session;

// The live sessions of one server. Thread-safe. Holds weak references: a session removes
// itself from its destructor.
class SessionRegistry {
 public:
  explicit SessionRegistry(std::size_t max_sessions) : max_sessions_(max_sessions) {}

  enum class AddResult { kAdded, kFull, kClosed };

  // Adds `session`, unless max_sessions are already registered (kFull) or close_all() has
  // been called (kClosed).
  AddResult try_add(std::uint64_t id, const std::shared_ptr<Session>& session);
  void remove(std::uint64_t id);

  // Asks every live session to close after its current request, and rejects new ones.
  void close_all();

  // Waits until no session is left or `timeout` passes; returns how many are left.
  std::size_t wait_until_empty(std::chrono::milliseconds timeout);

  // Returns the number of registered sessions. Takes the registry's mutex.
  std::size_t size();

 private:
  const std::size_t max_sessions_;
  std::mutex mutex_;
  std::condition_variable emptied_;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  bool closed_ = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket` must be bound to a strand; the session runs on it. `tls`, `router`,
  // `registry` and `handshakes` (null for no limit) must outlive the session.
  Session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, const Router& router,
          SessionLimits limits, SessionRegistry& registry, std::uint64_t id,
          HandshakeLimiter* handshakes = nullptr);
  ~Session();

  // Starts serving on the socket's strand.
  void start();

  // Closes the connection after the request it is serving, if any. Any thread.
  void close();

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // `self` keeps the session alive until the coroutine ends.
  boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  boost::asio::awaitable<bool> wait_for_client_hello();
  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<void> serve_requests();
  boost::asio::awaitable<bool> write(Response response);
  boost::asio::awaitable<void> shut_down();
  void release_handshake_slot();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  const Router& router_;
  const SessionLimits limits_;
  SessionRegistry& registry_;
  const std::uint64_t id_;
  HandshakeLimiter* handshakes_;
  bool holds_handshake_slot_ = false;
  std::string client_;         // "peer=ADDR:PORT conn=ID", for logs
  sso::PeerCertificate card_;  // set once, after the handshake
  bool closing_ = false;       // only touched on the strand
};

}  // namespace careid::federation::http
