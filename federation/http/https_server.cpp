#include "federation/http/https_server.h"

#include "federation/http/backchannel_sender.h"

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "base/metrics.h"
#include "base/rate_limited_log.h"
#include "federation/http/router.h"
#include "federation/http/session.h"
#include "federation/http/tls_context.h"
#include "federation/sso/sso_service.h"

namespace careid::federation::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Pause after a failed accept (for example EMFILE) so that the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string format_endpoint(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) {
    address = "[" + address + "]";
  }
  return address + ":" + std::to_string(endpoint.port());
}

void log_exception(std::string_view what, std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::get("federation")->error("{} failed error=\"{}\"", what, e.what());
  } catch (...) {
    log::get("federation")->error("{} failed error=\"unknown exception\"", what);
  }
}

}  // namespace

// Members are destroyed in reverse order of declaration. The io_context goes first and
// destroys every suspended session with it, so the TLS context, router and registry that
// sessions refer to are declared before it.
class HttpsServer::Impl {
 public:
  Impl(const HttpsConfig& config, std::unique_ptr<asio::ssl::context> tls,
       std::unique_ptr<sso::SsoService> sso, const saml::IdentityProvider& idp,
       ServerOptions options)
      : config_(config),
        options_(options),
        tls_(std::move(tls)),
        sso_(std::move(sso)),
        blocking_pool_(std::max(1u, options.blocking_threads)),
        router_(idp, *sso_, blocking_pool_.get_executor(), options.oidc, options.pki,
                options.mounts),
        registry_(options.max_connections),
        handshakes_(config.max_handshakes),
        acceptor_(asio::make_strand(io_context_)),
        metrics_(metrics::registry().add([this](metrics::Exposition& out) { collect(out); })) {
    if (options.oidc != nullptr) {
      BackchannelSender::Options sender;
      sender.timeout = options.backchannel_timeout;
      sso::SessionStore* sessions = &sso_->sessions();
      backchannel_ = std::make_unique<BackchannelSender>(sender, [sessions] { sessions->sweep_expired(); });
      options.oidc->attach_sessions(*sessions, backchannel_.get(), sso_->password_login());
    }
  }

  // The provider outlives the server, so it must stop using the sessions that go with it.
  ~Impl() {
    backchannel_.reset();
    if (options_.oidc != nullptr) {
      options_.oidc->detach_sessions();
    }
  }

  Result<std::uint16_t> start();
  void stop();

 private:
  Status listen();
  asio::awaitable<void> accept_loop();
  void run_io_thread();
  void collect(metrics::Exposition& out);

  const HttpsConfig config_;
  const ServerOptions options_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<sso::SsoService> sso_;
  // After sso_, so that it stops before the sessions it sweeps go.
  std::unique_ptr<BackchannelSender> backchannel_;
  asio::thread_pool blocking_pool_;
  Router router_;
  SessionRegistry registry_;
  HandshakeLimiter handshakes_;
  asio::io_context io_context_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> next_session_id_{0};
  bool started_ = false;
  bool stopped_ = false;
  log::RateLimitedLog refusal_log_{log::get("federation")};
  metrics::Counter rejected_connections_;
  // Declared after the registry that its collector reads, so it is removed first.
  metrics::Registry::Registration metrics_;
};

void HttpsServer::Impl::collect(metrics::Exposition& out) {
  out.family("careid_https_connections", "Open HTTPS connections.", metrics::MetricType::kGauge);
  out.sample("careid_https_connections", {}, static_cast<double>(registry_.size()));
  out.family("careid_https_connections_rejected_total", "HTTPS connections rejected at https.max_connections.",
             metrics::MetricType::kCounter);
  out.sample("careid_https_connections_rejected_total", {}, static_cast<double>(rejected_connections_.value()));
  out.family("careid_https_handshakes", "TLS handshakes in progress after the ClientHello.",
             metrics::MetricType::kGauge);
  out.sample("careid_https_handshakes", {}, static_cast<double>(handshakes_.in_progress()));
  out.family("careid_https_connections_closed_before_handshake_total",
             "Accepted HTTPS connections that the client had already closed, dropped without a handshake.",
             metrics::MetricType::kCounter);
  out.sample("careid_https_connections_closed_before_handshake_total", {},
             static_cast<double>(handshakes_.closed_by_client()));
}

Status HttpsServer::Impl::listen() {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(config_.listen_address, ec);
  if (ec) {
    return Status::invalid_argument("https.listen_address '" + config_.listen_address +
                                    "' is not an IP address");
  }

  tcp::endpoint endpoint(address, config_.port);
  std::string where = format_endpoint(endpoint);
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) ||
      acceptor_.listen(static_cast<int>(config_.listen_backlog), ec)) {
    return Status::unavailable("cannot listen on " + where + ": " + ec.message());
  }
  return Status::ok_status();
}

Result<std::uint16_t> HttpsServer::Impl::start() {
  if (started_) {
    return Status::failed_precondition("https server already started");
  }
  CAREID_RETURN_IF_ERROR(listen());
  started_ = true;

  tcp::endpoint bound = acceptor_.local_endpoint();
  asio::co_spawn(acceptor_.get_executor(), accept_loop(),
                 [](std::exception_ptr error) { log_exception("https accept loop", error); });
  for (unsigned i = 0; i < std::max(1u, config_.threads); ++i) {
    threads_.emplace_back([this] { run_io_thread(); });
  }

  log::get("federation")->debug("https accepting on {}", format_endpoint(bound));
  return bound.port();
}

void HttpsServer::Impl::run_io_thread() {
  // Handlers report errors through error codes and coroutine completion handlers. An
  // exception here is a bug, and the log line makes the thread's end visible.
  try {
    io_context_.run();
  } catch (const std::exception& e) {
    log::get("federation")->error("https I/O thread stopped error=\"{}\"", e.what());
  } catch (...) {
    log::get("federation")->error("https I/O thread stopped error=\"unknown exception\"");
  }
}

asio::awaitable<void> HttpsServer::Impl::accept_loop() {
  auto logger = log::get("federation");
  SessionLimits limits{config_.max_header_bytes, config_.max_body_bytes,
                       std::chrono::seconds(config_.request_timeout_seconds),
                       std::chrono::seconds(config_.handshake_timeout_seconds)};

  while (acceptor_.is_open()) {
    co_await handshakes_.wait_below_limit(acceptor_.get_executor());
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_context_), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      logger->warn("https accept failed error=\"{}\"", ec.message());
      asio::steady_timer pause(acceptor_.get_executor(), kAcceptRetryDelay);
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    std::uint64_t id = ++next_session_id_;
    auto session = std::make_shared<Session>(std::move(socket), *tls_, router_, limits, registry_,
                                             id, &handshakes_);
    SessionRegistry::AddResult added = registry_.try_add(id, session);
    if (added == SessionRegistry::AddResult::kClosed) {
      co_return;
    }
    if (added == SessionRegistry::AddResult::kFull) {
      rejected_connections_.increment();
      refusal_log_.warn("https_max_connections", "https connection rejected conn={} reason=max_connections limit={}",
                        id, options_.max_connections);
      continue;
    }
    session->start();
  }
}

void HttpsServer::Impl::stop() {
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;

  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  registry_.close_all();
  std::size_t left = registry_.wait_until_empty(options_.stop_timeout);
  if (left > 0) {
    log::get("federation")->warn("https stop timed out; abandoning {} open connections", left);
  }

  io_context_.stop();
  for (std::thread& thread : threads_) {
    thread.join();
  }
  blocking_pool_.join();
  log::get("federation")->info("https stopped");
}

Result<std::unique_ptr<HttpsServer>> HttpsServer::create(const Config& config,
                                                         IdentitySource& source,
                                                         const saml::IdentityProvider& idp,
                                                         ServerOptions options) {
  Result<std::unique_ptr<asio::ssl::context>> tls = make_tls_context(config.https);
  if (!tls.ok()) {
    return tls.status();
  }
  Result<sso::PersistentIdGenerator> ids =
      sso::PersistentIdGenerator::load_or_create(config.saml.persistent_id_secret);
  if (!ids.ok()) {
    return ids.status();
  }

  sso::SessionSettings sessions;
  sessions.idle_timeout = std::chrono::seconds(config.session.idle_timeout_seconds);
  sessions.absolute_timeout = std::chrono::seconds(config.session.absolute_timeout_seconds);
  sessions.choice_timeout = std::chrono::seconds(config.session.role_choice_timeout_seconds);
  sessions.max_sessions = config.session.max_sessions;
  Result<sso::CardMapping> card_mapping = sso::card_mapping_from_config(config.card_login);
  if (!card_mapping.ok()) {
    return card_mapping.status();
  }
  sessions.card_mapping = *card_mapping;
  auto sso = std::make_unique<sso::SsoService>(source, idp, std::move(*ids), std::chrono::system_clock::now,
                                               sessions, options.audit ? *options.audit : audit::null_sink());
  if (config.login.password_fallback) {
    sso->enable_password_login(sso::PasswordLoginSettings{
        true, static_cast<int>(config.login.totp_window_steps), config.login.card_only_service_providers});
  }
  if (options.max_connections == 0) {
    options.max_connections = config.https.max_connections;
  }
  options.backchannel_timeout = std::chrono::seconds(config.oidc.backchannel_logout_timeout_seconds);
  auto impl = std::make_unique<Impl>(config.https, std::move(*tls), std::move(sso), idp, options);
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() { stop(); }

Result<std::uint16_t> HttpsServer::start() { return impl_->start(); }

void HttpsServer::stop() { impl_->stop(); }

}  // namespace careid::federation::http
