// Session: one LDAP connection.
//
// The session coroutine runs on the connection's strand. It reads bytes, frames one PDU at
// a time (ber::frame_pdu), decodes it and runs the operation, then writes the responses.
// Operations on one connection run one after another, in the order they arrived.
// The session owns its socket, buffers and bound identity; the coroutine frame holds a
// shared_ptr to it, so nothing an operation touches can go away under it.
//
// Failure handling follows RFC 4511: a PDU that is not an LDAPMessage, or is over
// max_pdu_bytes, gets a Notice of Disconnection (4.4.1) and the connection is closed; a
// well-framed message with a bad operation gets protocolError in that operation's
// response type, or a disconnect when the operation has no response type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"

namespace careid::directory::server {

class LdapServer;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(LdapServer& server, boost::asio::ip::tcp::socket socket, std::uint64_t id);

  // Serves the connection until the client unbinds or disconnects, the idle timeout
  // passes, or close() is called. Spawn it on executor(); `self` keeps the session alive.
  static boost::asio::awaitable<void> serve(std::shared_ptr<Session> self);

  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  // Closes the socket from any thread; run() then returns.
  void close();

  std::uint64_t id() const { return id_; }

 private:
  enum class Next { kContinue, kClose };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<void> write(std::string bytes);
  boost::asio::awaitable<void> disconnect(ResultCode code, std::string diagnostic);
  boost::asio::awaitable<Next> dispatch(protocol::Request request);
  boost::asio::awaitable<void> run_search(protocol::Request request);
  boost::asio::awaitable<protocol::ResponseOp> run_on_workers(protocol::Request request);

  LdapServer& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  std::uint64_t id_;
  std::string peer_;
  std::string input_;
  engine::Identity identity_;
};

}  // namespace careid::directory::server
