// LdapServer: the LDAPv3 listener (RFC 4511) in front of engine::Directory.
//
// Async model: Boost.Asio C++20 coroutines. Each connection is one coroutine (see
// session.h) on the server's io_context; operations that touch the store or hash
// passwords run on a separate worker pool and hand their results back, so I/O threads
// never block on LMDB or Argon2.
//
// Limits, all from LdapConfig: max_pdu_bytes (a larger PDU ends the connection with a
// Notice of Disconnection), max_connections (further connections get a Notice of
// Disconnection with `unavailable` and are closed), idle_timeout_seconds.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "base/config.h"
#include "base/status.h"
#include "directory/engine/directory.h"

namespace careid::directory::server {

class Session;

class LdapServer {
 public:
  // `directory` must outlive the server. `worker_threads` runs store and hashing work.
  LdapServer(boost::asio::io_context& io, engine::Directory& directory, LdapConfig config,
             unsigned worker_threads = 2);
  ~LdapServer();

  // Binds and listens on config.listen_address:config.port (port 0 picks a free port) and
  // starts accepting. Returns the bound port. Fails with the address and the OS error.
  Result<std::uint16_t> start();

  // Stops accepting and closes every connection. Safe to call from any thread, more than
  // once. The io_context must keep running until the sessions have ended.
  void stop();

  // Waits for the worker pool's queued operations; call after stop() and before the
  // io_context stops, because a streaming search hands its results back through it.
  void join_workers();

  std::size_t connection_count() const;

 private:
  friend class Session;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> reject(boost::asio::ip::tcp::socket socket);
  void register_session(const std::shared_ptr<Session>& session);
  void unregister_session(Session* session);

  boost::asio::io_context& io_;
  engine::Directory& directory_;
  LdapConfig config_;
  boost::asio::thread_pool workers_;
  boost::asio::ip::tcp::acceptor acceptor_;

  mutable std::mutex sessions_mutex_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  std::atomic<std::uint64_t> next_connection_id_{1};
  std::atomic<bool> stopped_{false};
};

}  // namespace careid::directory::server
