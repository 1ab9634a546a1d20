#include "directory/server/ldap_server.h"

#include <unistd.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"
#include "directory/protocol/encoder.h"
#include "directory/server/session.h"
#include "directory/server/tls_context.h"

namespace careid::directory::server {
namespace {

namespace asio = boost::asio;

}  // namespace

LdapServer::LdapServer(asio::io_context& io, engine::Directory& directory, LdapConfig config,
                       audit::Sink& audit)
    : io_(io),
      directory_(directory),
      config_(std::move(config)),
      audit_(audit),
      workers_(config_.worker_threads),
      acceptor_(io),
      ldaps_acceptor_(io) {}

// The sessions left on the connection threads refer to this server's members, so they are
// destroyed with their event loops before any member is.
LdapServer::~LdapServer() {
  stop();
  workers_.join();
  stop_connection_threads();
  connection_threads_.clear();
}

Result<std::uint16_t> LdapServer::listen(asio::ip::tcp::acceptor& acceptor, std::uint16_t port) {
  boost::system::error_code error;
  auto address = asio::ip::make_address(config_.listen_address, error);
  if (error) {
    return Status::invalid_argument("ldap.listen_address '" + config_.listen_address + "' is not an IP address");
  }
  asio::ip::tcp::endpoint endpoint(address, port);

  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::unavailable("cannot listen on " + config_.listen_address + ":" + std::to_string(port) + ": " +
                               error.message());
  }
  return acceptor.local_endpoint().port();
}

Result<std::uint16_t> LdapServer::start() {
  if (!config_.tls_certificate.empty()) {
    auto context = make_ldap_tls_context(config_);
    if (!context.ok()) {
      return context.status().with_context("loading the LDAP TLS certificate");
    }
    tls_context_ = std::move(*context);
  }

  auto port = listen(acceptor_, config_.port);
  if (!port.ok()) {
    return port.status();
  }
  if (config_.ldaps_port != 0) {
    auto secure_port = listen(ldaps_acceptor_, config_.ldaps_port);
    if (!secure_port.ok()) {
      return secure_port.status().with_context("ldap.ldaps_port");
    }
    ldaps_port_ = *secure_port;
  }

  start_connection_threads();
  asio::co_spawn(io_, accept_loop(acceptor_, false), asio::detached);
  // careidd prints the listening lines on stdout; the log keeps them for debugging.
  log::get("directory")->debug("ldap accepting on {}:{}", config_.listen_address, *port);
  if (ldaps_port_ != 0) {
    asio::co_spawn(io_, accept_loop(ldaps_acceptor_, true), asio::detached);
    log::get("directory")->debug("ldaps accepting on {}:{}", config_.listen_address, ldaps_port_);
  }
  return *port;
}

asio::awaitable<void> LdapServer::accept_loop(asio::ip::tcp::acceptor& acceptor, bool ldaps) {
  while (acceptor.is_open()) {
    auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (error == asio::error::operation_aborted) {
        break;
      }
      log::get("directory")->warn("accept failed: {}", error.message());
      continue;
    }
    if (connection_count() >= config_.max_connections) {
      metrics_.record_rejected_connection();
      // An LDAPS client would read a clear-text Notice of Disconnection as a broken TLS
      // record, so the connection is only closed.
      if (ldaps) {
        refusal_log_.warn("ldaps_max_connections", "ldaps connection rejected: ldap.max_connections is {}",
                          config_.max_connections);
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(socket.get_executor(), reject(std::move(socket)), asio::detached);
      continue;
    }

    auto moved = move_to_connection_thread(std::move(socket));
    if (!moved.has_value()) {
      continue;
    }
    auto session = std::make_shared<Session>(*this, std::move(*moved), next_connection_id_++, ldaps);
    register_session(session);
    asio::co_spawn(session->executor(), Session::serve(session), asio::detached);
  }
}

// Tells a client over max_connections why it is rejected (RFC 4511 4.4.1), then closes.
asio::awaitable<void> LdapServer::reject(asio::ip::tcp::socket socket) {
  refusal_log_.warn("ldap_max_connections", "connection rejected: {} connections open, ldap.max_connections is {}",
                    connection_count(), config_.max_connections);
  std::string notice = protocol::encode_notice_of_disconnection(ResultCode::kUnavailable, "too many connections");
  co_await asio::async_write(socket, asio::buffer(notice), asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  socket.close(ignored);
}

void LdapServer::close_acceptors() {
  if (stopped_.exchange(true)) {
    return;
  }
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    ldaps_acceptor_.close(ignored);
  });
}

void LdapServer::stop() {
  close_acceptors();
  for_each_session([](Session& session) { session.close(); });
}

void LdapServer::drain() {
  close_acceptors();
  for_each_session([](Session& session) { session.drain(); });
}

void LdapServer::for_each_session(const std::function<void(Session&)>& action) {
  std::lock_guard lock(sessions_mutex_);
  for (const auto& weak : sessions_) {
    if (auto session = weak.lock()) {
      action(*session);
    }
  }
}

void LdapServer::join() {
  workers_.join();
  stop_connection_threads();
}

void LdapServer::start_connection_threads() {
  const unsigned count = std::max(1u, config_.threads);
  for (unsigned i = 0; i < count; ++i) {
    auto thread = std::make_unique<ConnectionThread>();
    thread->thread = std::thread([&context = thread->context] { context.run(); });
    connection_threads_.push_back(std::move(thread));
  }
}

void LdapServer::stop_connection_threads() {
  for (auto& thread : connection_threads_) {
    thread->guard.reset();
    thread->context.stop();
    if (thread->thread.joinable()) {
      thread->thread.join();
    }
  }
}

// Moves an accepted connection to the next connection thread's event loop. Accepting on
// the listener's loop keeps every pending accept free of sockets of the connection loops,
// which ~LdapServer destroys before the caller's io_context. std::nullopt when the socket
// is already unusable.
std::optional<asio::ip::tcp::socket> LdapServer::move_to_connection_thread(asio::ip::tcp::socket accepted) {
  boost::system::error_code error;
  const asio::ip::tcp protocol = accepted.local_endpoint(error).protocol();
  if (error) {
    log::get("directory")->debug("accepted connection closed before it was handed over: {}", error.message());
    return std::nullopt;
  }
  const int handle = accepted.release(error);
  if (error) {
    log::get("directory")->warn("cannot hand an accepted connection to a connection thread: {}", error.message());
    return std::nullopt;
  }

  asio::ip::tcp::socket socket(next_connection_executor());
  socket.assign(protocol, handle, error);
  if (error) {
    ::close(handle);
    log::get("directory")->warn("cannot hand an accepted connection to a connection thread: {}", error.message());
    return std::nullopt;
  }

  // A response may leave in several writes (a streamed search), and Nagle's algorithm
  // would hold each later one until the client's delayed acknowledgement of the first.
  socket.set_option(asio::ip::tcp::no_delay(true), error);
  return socket;
}

asio::any_io_executor LdapServer::next_connection_executor() {
  ConnectionThread& thread = *connection_threads_[next_thread_];
  next_thread_ = (next_thread_ + 1) % connection_threads_.size();
  return thread.context.get_executor();
}

std::size_t LdapServer::connection_count() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

void LdapServer::register_session(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.insert(session);
}

void LdapServer::unregister_session(Session* session) {
  std::lock_guard lock(sessions_mutex_);
  std::erase_if(sessions_, [session](const std::weak_ptr<Session>& weak) {
    auto locked = weak.lock();
    return !locked || locked.get() == session;
  });
}

}  // namespace careid::directory::server
