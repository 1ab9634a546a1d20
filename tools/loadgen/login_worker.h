// One client thread of the load generator: its own io_context, TLS client context and
// results. Its logins are C++20 coroutines on that one thread, so workers share nothing but
// the read-only cards and options, and nothing needs a lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "base/status.h"
#include "pki/certificate.h"
#include "pki/key.h"
#include "tools/loadgen/load_options.h"
#include "tools/loadgen/load_result.h"

struct ssl_session_st;

namespace careid::loadgen {

// A smartcard: the certificate and key a user's TLS client presents.
struct Card {
  std::string uid;
  pki::Certificate certificate;
  pki::PrivateKey key;
};

class LoginWorker {
 public:
  using Clock = std::chrono::steady_clock;

  // `options` and `cards` must outlive the worker. Worker `index` of `count` takes every
  // count-th card from its index, and 1/count of the rate or of the connections.
  // kInvalidArgument when the server CA file cannot be loaded or the host is not an IP address.
  static Result<std::unique_ptr<LoginWorker>> create(const LoadOptions& options,
                                                     const std::vector<Card>& cards, unsigned index,
                                                     unsigned count);
  ~LoginWorker();

  // Runs the open loop (options.rate > 0) or the closed loop from `start` for
  // options.duration_seconds, then until every started login has ended or timed out.
  // Blocks; call it once, from the thread that owns this worker.
  void run(Clock::time_point start);

  LoadResult take_result() { return std::move(result_); }

 private:
  struct Connection;
  struct Outcome;

  LoginWorker(const LoadOptions& options, const std::vector<Card>& cards, unsigned index, unsigned count);

  boost::asio::awaitable<void> pace();
  boost::asio::awaitable<void> scheduled_logins(Clock::time_point scheduled);
  boost::asio::awaitable<void> back_to_back_logins();
  boost::asio::awaitable<Outcome> login(std::size_t card_index);
  boost::asio::awaitable<void> saml_exchange(Connection& connection, Outcome& outcome);
  boost::asio::awaitable<void> oidc_exchange(Connection& connection, Outcome& outcome);
  // Posts the first role of the role page `page` to `path` (/saml/role or /oidc/role) and
  // checks for `expected_status`. Then `page` contains the response body and `location` its
  // Location header. Returns false with outcome.error set when a step fails.
  boost::asio::awaitable<bool> choose_first_role(Connection& connection, std::string_view path,
                                                 int expected_status, std::string& page,
                                                 std::string& location, Outcome& outcome);

  void start_or_queue(Clock::time_point scheduled);
  std::size_t next_card();
  void record(const Outcome& outcome, Clock::time_point start);
  void remember_session(std::size_t card_index, ssl_session_st* session);

  const LoadOptions& options_;
  const std::vector<Card>& cards_;
  const unsigned index_;
  const unsigned count_;
  boost::asio::io_context io_{1};
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string host_header_;  // "host:port"
  std::string destination_;  // the AuthnRequest Destination, careidd's SSO URL
  std::string id_prefix_;    // random, so that request IDs of two runs are unlikely to collide

  // Previous TLS session of each card, offered again with --resume; owned references.
  std::vector<ssl_session_st*> sessions_;
  std::uint64_t cards_taken_ = 0;
  std::uint64_t requests_built_ = 0;
  unsigned in_flight_ = 0;
  std::deque<Clock::time_point> waiting_starts_;
  Clock::time_point start_;
  Clock::time_point end_;
  Clock::time_point last_end_;
  LoadResult result_;
};

}  // namespace careid::loadgen
