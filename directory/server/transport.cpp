#include "directory/server/transport.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;

}  // namespace

Transport::Transport(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

asio::awaitable<boost::system::error_code> Transport::handshake(asio::ssl::context& context) {
  // The moved-from socket_ stays closed; from here on the stream owns the connection.
  tls_.emplace(std::move(socket_), context);
  auto [error] = co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable));
  co_return error;
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> Transport::read_some(
    asio::mutable_buffer buffer) {
  if (tls_) {
    co_return co_await tls_->async_read_some(buffer, asio::as_tuple(use_awaitable));
  }
  co_return co_await socket_.async_read_some(buffer, asio::as_tuple(use_awaitable));
}

asio::awaitable<boost::system::error_code> Transport::write(asio::const_buffer buffer) {
  if (tls_) {
    auto [error, written] = co_await asio::async_write(*tls_, buffer, asio::as_tuple(use_awaitable));
    co_return error;
  }
  auto [error, written] = co_await asio::async_write(socket_, buffer, asio::as_tuple(use_awaitable));
  co_return error;
}

void Transport::shutdown_receive() {
  boost::system::error_code ignored;
  lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_receive, ignored);
}

void Transport::close() {
  boost::system::error_code ignored;
  lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest_layer().close(ignored);
}

}  // namespace careid::directory::server
