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
// worker thread (a blocked search) for ever. The timer fires at the deadline of the write
// in flight, so a stalled write is cut off write_timeout_seconds after it started.
void Session::check_write_deadline() {
  if (!transport_.is_open()) {
    return;  // closed while this handler was queued
  }
  const auto timeout = std::chrono::seconds(server_.config_.write_timeout_seconds);
  std::optional<std::chrono::steady_clock::time_point> next = next_check(writing_, write_started_, timeout);
  if (next.has_value()) {
    arm_timer(write_timer_, *next, &Session::check_write_deadline);
    return;
  }
  log::get("directory")->info("conn={} peer={} closed: a write took longer than ldap.write_timeout_seconds ({} s)",
                              id_, peer_, server_.config_.write_timeout_seconds);
  close_now();
}

// Takes the write lock, so that the bytes of one response never interleave with another's,
// and writes `bytes` under the write deadline. False when the connection is closed or the
// write failed.
asio::awaitable<bool> Session::send(std::string bytes) {
  // try_send takes a free lock at once; async_send would complete through the executor.
  boost::system::error_code no_error;
  if (!write_lock_.try_send(no_error)) {
    auto token = asio::as_tuple(use_awaitable);
    auto [lock_error] = co_await write_lock_.async_send(no_error, token);
    if (lock_error) {
      co_return false;
    }
  }

  bool written = false;
  if (transport_.is_open()) {
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    auto view = asio::buffer(bytes);
    boost::system::error_code error = co_await transport_.write(view);
    writing_ = false;
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
