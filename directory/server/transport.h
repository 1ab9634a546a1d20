// Transport: the byte stream under one LDAP session, plain TCP or TLS.
//
// A connection starts as plain TCP (ldap://) and becomes TLS either at once (ldaps://) or
// after a StartTLS response (RFC 4511 4.14); handshake() switches it in place. All calls
// run on the session's connection thread. One read and one write may be in flight at the same time,
// which both TCP sockets and Asio's ssl::stream allow; handshake() must run alone.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace careid::directory::server {

class Transport {
 public:
  explicit Transport(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor executor() { return lowest_layer().get_executor(); }
  bool is_open() { return lowest_layer().is_open(); }
  bool is_tls() const { return tls_.has_value(); }

  // Runs the server side of the TLS handshake and switches every later read and write to
  // TLS. On failure the transport stays unusable; close it.
  boost::asio::awaitable<boost::system::error_code> handshake(boost::asio::ssl::context& context);

  // Reads at least one byte into `buffer`.
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(
      boost::asio::mutable_buffer buffer);

  // Writes all of `buffer`. The caller keeps it alive until the call completes.
  boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer buffer);

  // Shuts down and closes the socket without a TLS close_notify; pending reads and writes
  // complete with an error.
  void close();

  // Stops receiving: a pending read and every later one complete with an error (end of
  // file), while writes go on.
  void shutdown_receive();

  // The OpenSSL connection after a successful handshake; nullptr before.
  SSL* native_tls() { return tls_ ? tls_->native_handle() : nullptr; }

 private:
  boost::asio::ip::tcp::socket& lowest_layer() { return tls_ ? tls_->next_layer() : socket_; }

  boost::asio::ip::tcp::socket socket_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
};

}  // namespace careid::directory::server
