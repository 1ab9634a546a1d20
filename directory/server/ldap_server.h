// LdapServer: the LDAPv3 listener (RFC 4511) in front of engine::Directory.
//
// Async model: Boost.Asio C++20 coroutines. The caller's io_context accepts connections.
// Each connection is one coroutine (see session.h) on one of ldap.threads connection
// threads, taken in turn. Each of those threads has its own io_context. A connection stays
// on its thread, so its events never pass between threads. Writes, searches over more than
// ldap.inline_max_candidates entries and Argon2 password checks run on a separate pool of
// ldap.worker_threads and hand their results back. Only cheap reads, which the engine
// accepts before they read much, run on the connection thread (session_inline.cpp).
//
// TLS: when ldap.tls_certificate is set, the server loads the certificate, key and client
// CA at start() and offers StartTLS on the LDAP port; ldap.ldaps_port, when not 0, is a
// second listener whose connections start with the TLS handshake (LDAPS).
//
// Limits, all from LdapConfig: max_pdu_bytes (a larger PDU ends the connection with a
// Notice of Disconnection), max_connections over both listeners (further connections get
// a Notice of Disconnection with `unavailable` and are closed), idle_timeout_seconds,
// max_outstanding_operations and write_timeout_seconds (see session.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "audit/event.h"
#include "base/config.h"
#include "base/log.h"
#include "base/rate_limited_log.h"
#include "base/status.h"
#include "directory/engine/directory.h"
#include "directory/server/operation_metrics.h"
#include "pki/revocation_cache.h"

namespace careid::directory::server {

class Session;

class LdapServer {
 public:
  // `directory` and `audit` must outlive the server. `audit` receives every bind and write
  // operation (audit_events.h). `io` runs the listeners; the server runs its own threads
  // for connections and operations.
  LdapServer(boost::asio::io_context& io, engine::Directory& directory, LdapConfig config,
             audit::Sink& audit = audit::null_sink());
  ~LdapServer();

  // Loads the TLS files when configured, binds and listens on config.listen_address:
  // config.port (port 0 picks a free port) and on ldaps_port when set, and starts
  // accepting. Starts the connection threads. Returns the bound LDAP port. Fails with the
  // address and the OS error, or with the TLS file and the OpenSSL reason. Blocks on file
  // reads; call before io.run().
  Result<std::uint16_t> start();

  // The bound LDAPS port after start(); 0 when LDAPS is off.
  std::uint16_t ldaps_port() const { return ldaps_port_; }

  // True after start() when TLS files are configured, so clients may send StartTLS.
  bool starttls_available() const { return tls_context_ != nullptr; }

  // Stops accepting and closes every connection. Safe to call from any thread, more than
  // once, also after drain(). The io_context must keep running until the sessions have ended.
  void stop();

  // Graceful stop: stops accepting and reading requests, and closes each connection once
  // its operations in progress have sent their responses. Poll connection_count() and call
  // stop() at a deadline. Safe to call from any thread, more than once.
  void drain();

  // Waits for the worker pool's queued operations, then stops the connection threads.
  // Call once the connections have closed (connection_count() is 0) or after stop().
  void join();

  std::size_t connection_count() const;

  // Makes SASL EXTERNAL binds reject cards that `cache` lists as revoked or on hold. Call
  // before start(); `cache` must outlive the server. Null (the default) turns the check off.
  void set_revocation_cache(const pki::RevocationCache* cache) { revocations_ = cache; }

 private:
  friend class Session;
  Result<std::uint16_t> listen(boost::asio::ip::tcp::acceptor& acceptor, std::uint16_t port);
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, bool ldaps);
  boost::asio::awaitable<void> reject(boost::asio::ip::tcp::socket socket);
  void register_session(const std::shared_ptr<Session>& session);
  void unregister_session(Session* session);
  void close_acceptors();
  void for_each_session(const std::function<void(Session&)>& action);
  void start_connection_threads();
  void stop_connection_threads();
  boost::asio::any_io_executor next_connection_executor();
  std::optional<boost::asio::ip::tcp::socket> move_to_connection_thread(boost::asio::ip::tcp::socket accepted);

  // One event loop and its thread; the guard keeps the loop running while it has no work.
  struct ConnectionThread {
    boost::asio::io_context context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{context.get_executor()};
    std::thread thread;
  };

  boost::asio::io_context& io_;
  engine::Directory& directory_;
  LdapConfig config_;
  const pki::RevocationCache* revocations_ = nullptr;
  audit::Sink& audit_;
  boost::asio::thread_pool workers_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::acceptor ldaps_acceptor_;
  std::uint16_t ldaps_port_ = 0;
  // Null when TLS is not configured.
  std::unique_ptr<boost::asio::ssl::context> tls_context_;

  mutable std::mutex sessions_mutex_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  std::atomic<std::uint64_t> next_connection_id_{1};
  std::vector<std::unique_ptr<ConnectionThread>> connection_threads_;
  std::size_t next_thread_ = 0;  // used by the accept loops on `io_` only
  std::atomic<bool> stopped_{false};
  // Rejected connections and Notices of Disconnection, which a client can trigger at will.
  log::RateLimitedLog refusal_log_{log::get("directory")};
  // Last, so that its collector is removed before the members it reads are destroyed.
  OperationMetrics metrics_{[this] { return connection_count(); }};
};

}  // namespace careid::directory::server
