// The session's write path and the wait for outstanding operations.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "directory/server/ldap_server.h"
#include "directory/server/session.h"

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;

}  // namespace

// A client that stops reading would otherwise hold the connection, its operations and a
// worker thread (a blocked search) for ever.
void Session::arm_write_deadline() {
  const unsigned seconds = server_.config_.write_timeout_seconds;
  if (seconds == 0) {
    return;
  }
  write_timer_.expires_after(std::chrono::seconds(seconds));
  write_timer_.async_wait([self = shared_from_this(), generation = write_generation_](boost::system::error_code error) {
    if (error || generation != self->write_generation_) {
      return;
    }
    log::get("directory")->info("conn={} peer={} closed: a write took longer than ldap.write_timeout_seconds ({} s)",
                                self->id_, self->peer_, self->server_.config_.write_timeout_seconds);
    self->close_now();
  });
}

// Takes the write lock, so that the bytes of one response never interleave with another's,
// and writes `bytes` under the write deadline. False when the connection is closed or the
// write failed.
asio::awaitable<bool> Session::send(std::string bytes) {
  boost::system::error_code no_error;
  auto token = asio::as_tuple(use_awaitable);
  auto [lock_error] = co_await write_lock_.async_send(no_error, token);
  if (lock_error) {
    co_return false;
  }

  bool written = false;
  if (transport_.is_open()) {
    arm_write_deadline();
    auto view = asio::buffer(bytes);
    boost::system::error_code error = co_await transport_.write(view);
    ++write_generation_;
    write_timer_.cancel();
    written = !error;
  }
  write_lock_.try_receive([](boost::system::error_code) {});
  co_return written;
}

// Waits until fewer than `fewer_than` operations are outstanding.
asio::awaitable<void> Session::wait_for_operations(std::size_t fewer_than) {
  while (operations_.size() >= fewer_than) {
    auto token = asio::as_tuple(use_awaitable);
    co_await operations_changed_.async_wait(token);
  }
}

void Session::notify_operations_changed() { operations_changed_.cancel(); }

}  // namespace careid::directory::server
