// Session: one HTTPS connection, served by one coroutine on the connection's strand.
//
// The session owns its TLS stream, read buffer and the certificate verdict of its
// handshake. The coroutine frame owns a shared_ptr to the session, so everything a pending
// operation touches lives until that operation completes. One read or one write is in
// flight at a time: requests are served strictly one after another (no pipelining).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
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
  // Deadline for the TLS handshake, for reading one request (or waiting for the next one on
  // a kept-alive connection), and for writing one response.
  std::chrono::seconds request_timeout{30};
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
  // `socket` must be bound to a strand; the session runs on it. `tls`, `router` and
  // `registry` must outlive the session.
  Session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, const Router& router,
          SessionLimits limits, SessionRegistry& registry, std::uint64_t id);
  ~Session();

  // Starts serving on the socket's strand.
  void start();

  // Closes the connection after the request it is serving, if any. Any thread.
  void close();

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // `self` keeps the session alive until the coroutine ends.
  boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<void> serve_requests();
  boost::asio::awaitable<bool> write(Response response);
  boost::asio::awaitable<void> shut_down();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  const Router& router_;
  const SessionLimits limits_;
  SessionRegistry& registry_;
  const std::uint64_t id_;
  std::string client_;         // "peer=ADDR:PORT conn=ID", for logs
  sso::PeerCertificate card_;  // set once, after the handshake
  bool closing_ = false;       // only touched on the strand
};

}  // namespace careid::federation::http
