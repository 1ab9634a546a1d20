// Session: one LDAP connection.
//
// Async model: Boost.Asio C++20 coroutines on the connection's thread. The reader
// coroutine (run) reads bytes, frames one PDU at a time (ber::frame_pdu), decodes it and
// starts the operation as its own coroutine, then goes on reading, so a client may
// pipeline requests (RFC 4511 4.1.1.1). Work that touches LMDB or hashes passwords runs
// on the server's worker pool, except cheap reads. A search that reads few entries and a
// simple bind with a fast password hash run on the reader itself (session_inline.cpp,
// ldap.inline_max_candidates). The reader sends their response before it reads the next
// request. Responses of one operation leave in order; responses of
// different operations may interleave. Everything else on that thread runs one step at a
// time, so the session's members need no lock.
//
// Limits, from LdapConfig: at most max_outstanding_operations operations run at once; at
// that limit the reader stops reading until one completes. A write that takes longer than
// write_timeout_seconds closes the connection. idle_timeout_seconds closes a connection
// with nothing to read and no operation in progress. Both timers stay armed for the life
// of the connection and compare the time a read or write started with the clock when they
// fire, so that a request costs no timer update.
//
// Ordering rules: a Bind waits until every outstanding operation has completed (RFC 4511
// 4.2.1) and runs before the next request is read. StartTLS (RFC 4511 4.14) is refused
// with operationsError while operations are outstanding or when TLS is already on. Abandon
// (4.11) has no response and stops its target (see operation_state.h); Unbind ends the
// connection and abandons what is outstanding.
//
// Failure handling follows RFC 4511. A PDU that is not an LDAPMessage, or is over
// max_pdu_bytes, gets a Notice of Disconnection (4.4.1) and the connection is closed. A
// well-framed message with a bad operation gets protocolError in that operation's
// response type, or a disconnect when the operation has no response type.
//
// Ownership: the session owns its transport, buffers, bound identity and the table of
// outstanding operations. Every coroutine of the session keeps a shared_ptr to it, and
// the reader unregisters the session only after the last operation has finished.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"
#include "directory/server/operation_state.h"
#include "directory/server/search_operation.h"
#include "directory/server/tls_context.h"
#include "directory/server/transport.h"

namespace careid::directory::server {

class LdapServer;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `ldaps`: run the TLS handshake before the first read (LDAPS).
  Session(LdapServer& server, boost::asio::ip::tcp::socket socket, std::uint64_t id, bool ldaps);

  // Serves the connection until the client unbinds or disconnects, the idle timeout
  // passes, or close() is called. Spawn it on executor(); `self` keeps the session alive.
  static boost::asio::awaitable<void> serve(std::shared_ptr<Session> self);

  boost::asio::any_io_executor executor() { return transport_.executor(); }

  // Closes the connection from any thread; serve() then returns once the outstanding
  // operations have stopped.
  void close();

  // Stops reading requests from any thread; the operations in progress finish and send
  // their responses, then the connection closes.
  void drain();

  std::uint64_t id() const { return id_; }

 private:
  enum class Next { kContinue, kClose };
  using WriteLock = boost::asio::experimental::channel<void(boost::system::error_code)>;

  // session.cpp: reading, framing, and the requests that run on the reader.
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<Next> handle(protocol::Request request);
  boost::asio::awaitable<void> bind(protocol::Request request);
  boost::asio::awaitable<void> start_tls(protocol::Request request);
  boost::asio::awaitable<void> disconnect(ResultCode code, std::string diagnostic);
  void close_now();
  // Arms `timer` to call `check` at `expiry`. A cancelled timer calls nothing.
  void arm_timer(boost::asio::steady_timer& timer, std::chrono::steady_clock::time_point expiry,
                 void (Session::*check)());
  // Returns when a timer that watches a read or write should fire next: `timeout` after
  // `started` while it runs, `timeout` from now otherwise. std::nullopt when the running
  // read or write has passed its timeout.
  static std::optional<std::chrono::steady_clock::time_point> next_check(bool running,
                                                                         std::chrono::steady_clock::time_point started,
                                                                         std::chrono::seconds timeout);
  void check_idle();

  // session_inline.cpp: cheap operations that run on the reader.
  std::optional<std::string> search_inline(const protocol::Request& request);

  // session_write.cpp: the write path shared by all operations.
  boost::asio::awaitable<bool> send(std::string bytes);
  void check_write_deadline();
  boost::asio::awaitable<void> wait_for_operations(std::size_t fewer_than);
  void notify_operations_changed();

  // session_operations.cpp: operations that run concurrently with the reader.
  static boost::asio::awaitable<void> run_operation(std::shared_ptr<Session> self, protocol::Request request,
                                                    std::shared_ptr<OperationState> state);
  boost::asio::awaitable<void> run_search(protocol::Request request, std::shared_ptr<OperationState> state);
  boost::asio::awaitable<void> run_on_workers(protocol::Request request, std::shared_ptr<OperationState> state);
  boost::asio::awaitable<void> run_cancel(protocol::Request request);
  boost::asio::awaitable<protocol::LdapResult> cancel_operation(std::int32_t target);
  void abandon(std::int32_t message_id);
  void abandon_all();

  LdapServer& server_;
  std::uint64_t id_;
  std::string peer_;  // "address:port", for logs
  Transport transport_;
  const bool ldaps_;
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer write_timer_;
  // Never expires; cancel() wakes every coroutine waiting for an operation to finish.
  boost::asio::steady_timer operations_changed_;
  // A one-slot channel used as a mutex: one write in flight per stream.
  WriteLock write_lock_;
  std::string input_;
  engine::Identity identity_;
  // Set after a TLS handshake.
  std::optional<ClientCertificate> client_certificate_;
  std::map<std::int32_t, std::shared_ptr<OperationState>> operations_;
  // Thread-safe; searches on worker threads use it while they hold a shared_ptr to the session.
  PagedSearches paged_searches_;
  // Whether the reader waits for input or a write is in flight, and since when. The idle
  // and write timers check these when they fire.
  bool reading_ = false;
  std::chrono::steady_clock::time_point read_started_;
  bool writing_ = false;
  std::chrono::steady_clock::time_point write_started_;
  bool draining_ = false;
};

}  // namespace careid::directory::server
