#include "tools/loadgen/login_worker.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <limits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "pki/encoding.h"
#include "tools/loadgen/login_messages.h"

namespace careid::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kStatusSuccess =
    "StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"";

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Names a failed network step by its error; a Beast timeout becomes "timeout" whatever
// the step, because the deadline covers the whole login.
std::string network_error(std::string_view step, const boost::system::error_code& error) {
  if (error == beast::error::timeout) {
    return "timeout";
  }
  return std::string(step) + ": " + error.message();
}

}  // namespace

struct LoginWorker::Connection {
  Connection(asio::io_context& io, asio::ssl::context& tls) : stream(io, tls) {}

  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

struct LoginWorker::Outcome {
  std::string error;  // empty when the login succeeded
  bool role_page = false;
  bool resumed = false;
  std::string saml_response;  // kept only while samples are wanted
};

namespace {

// Writes `request` and reads the response on the connection's stream. The caller awaits
// this at once, so the references stay valid for the whole call.
asio::awaitable<boost::system::error_code> exchange(beast::ssl_stream<beast::tcp_stream>& stream,
                                                    beast::flat_buffer& buffer, Request& request,
                                                    Response& response) {
  request.prepare_payload();
  auto [write_error, written] = co_await bhttp::async_write(stream, request, kNoThrow);
  if (write_error) {
    co_return write_error;
  }
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, response, kNoThrow);
  co_return read_error;
}

}  // namespace

Result<std::unique_ptr<LoginWorker>> LoginWorker::create(const LoadOptions& options,
                                                         const std::vector<Card>& cards, unsigned index,
                                                         unsigned count) {
  std::unique_ptr<LoginWorker> worker(new LoginWorker(options, cards, index, count));
  boost::system::error_code error;
  worker->tls_.load_verify_file(options.server_ca.string(), error);
  if (error) {
    return Status::invalid_argument("cannot load the server CA file " + options.server_ca.string() + ": " +
                                    error.message());
  }
  auto address = asio::ip::make_address(options.host, error);
  if (error) {
    return Status::invalid_argument("invalid --host '" + options.host + "': expected an IP address");
  }
  worker->endpoint_ = asio::ip::tcp::endpoint(address, options.port);

  auto prefix = random_token(9);
  if (!prefix.ok()) {
    return prefix.status();
  }
  // xs:ID must not start with a digit or '-', which base64url may produce.
  worker->id_prefix_ = "_lg" + *prefix + "-";
  return worker;
}

LoginWorker::LoginWorker(const LoadOptions& options, const std::vector<Card>& cards, unsigned index,
                         unsigned count)
    : options_(options),
      cards_(cards),
      index_(index),
      count_(count),
      tls_(asio::ssl::context::tls_client),
      host_header_(options.host + ":" + std::to_string(options.port)),
      destination_("https://" + host_header_ + "/saml/sso"),
      sessions_(cards.size(), nullptr) {
  tls_.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX* context = tls_.native_handle();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // Send the card certificate alone: the card CA is the trust anchor, which a client may
  // leave out of its chain (RFC 8446 4.4.2). Without this mode OpenSSL would build and verify
  // that chain from the --server-ca store on every login, and careidd would decode the CA
  // certificate in every handshake.
  SSL_CTX_set_mode(context, SSL_MODE_NO_AUTO_CHAIN);
  if (options.resume) {
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
  } else {
    // A full handshake each time, as a browser that meets each login on a new connection.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
  }
}

LoginWorker::~LoginWorker() {
  for (SSL_SESSION* session : sessions_) {
    SSL_SESSION_free(session);
  }
}

void LoginWorker::run(Clock::time_point start) {
  start_ = start;
  end_ = start + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(options_.duration_seconds));
  last_end_ = start;

  if (options_.rate > 0) {
    asio::co_spawn(io_, pace(), asio::detached);
  } else {
    // Spread the connections over the workers; the first ones take the remainder.
    unsigned mine = options_.connections / count_ + (index_ < options_.connections % count_ ? 1 : 0);
    for (unsigned i = 0; i < mine; ++i) {
      asio::co_spawn(io_, back_to_back_logins(), asio::detached);
    }
  }
  io_.run();
  result_.elapsed_seconds = std::chrono::duration<double>(std::max(last_end_, end_) - start_).count();
}

asio::awaitable<void> LoginWorker::pace() {
  // Worker i of n starts its schedule i/n of a period late, so that the workers' starts
  // interleave evenly at the total rate.
  std::chrono::duration<double> period(count_ / options_.rate);
  asio::steady_timer timer(io_);
  for (std::uint64_t i = 0;; ++i) {
    double offset = static_cast<double>(i) + static_cast<double>(index_) / count_;
    Clock::time_point scheduled = start_ + std::chrono::duration_cast<Clock::duration>(period * offset);
    if (scheduled >= end_) {
      break;
    }
    timer.expires_at(scheduled);
    auto [error] = co_await timer.async_wait(kNoThrow);
    if (error) {
      break;
    }
    start_or_queue(scheduled);
  }
}

void LoginWorker::start_or_queue(Clock::time_point scheduled) {
  if (in_flight_ >= options_.max_in_flight) {
    waiting_starts_.push_back(scheduled);
    ++result_.queued_starts;
    return;
  }
  ++in_flight_;
  asio::co_spawn(io_, scheduled_logins(scheduled), asio::detached);
}

asio::awaitable<void> LoginWorker::scheduled_logins(Clock::time_point scheduled) {
  // One slot of max_in_flight: run this login, then any that queued for a slot meanwhile.
  while (true) {
    std::size_t card = next_card();
    Outcome outcome = co_await login(card);
    record(outcome, scheduled);
    if (waiting_starts_.empty()) {
      break;
    }
    scheduled = waiting_starts_.front();
    waiting_starts_.pop_front();
  }
  --in_flight_;
}

asio::awaitable<void> LoginWorker::back_to_back_logins() {
  while (Clock::now() < end_) {
    Clock::time_point started = Clock::now();
    std::size_t card = next_card();
    Outcome outcome = co_await login(card);
    record(outcome, started);
  }
}

std::size_t LoginWorker::next_card() {
  std::uint64_t sequence = cards_taken_++;
  return static_cast<std::size_t>((sequence * count_ + index_) % cards_.size());
}

void LoginWorker::record(const Outcome& outcome, Clock::time_point start) {
  Clock::time_point now = Clock::now();
  last_end_ = std::max(last_end_, now);
  ++result_.attempts;
  if (outcome.resumed) {
    ++result_.resumed_sessions;
  }
  if (!outcome.error.empty()) {
    result_.add_error(outcome.error);
    return;
  }

  ++result_.successes;
  if (outcome.role_page) {
    ++result_.role_pages;
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - start).count();
  std::int64_t capped = std::min<std::int64_t>(micros, std::numeric_limits<std::uint32_t>::max());
  result_.latencies_us.push_back(static_cast<std::uint32_t>(capped));
  if (!outcome.saml_response.empty() && result_.saml_samples.size() < options_.verify_sample) {
    result_.saml_samples.push_back(outcome.saml_response);
  }
}

void LoginWorker::remember_session(std::size_t card_index, SSL_SESSION* session) {
  SSL_SESSION_free(sessions_[card_index]);
  sessions_[card_index] = session;
}

asio::awaitable<LoginWorker::Outcome> LoginWorker::login(std::size_t card_index) {
  Outcome outcome;
  const Card& card = cards_[card_index];
  Connection connection(io_, tls_);
  auto& socket = beast::get_lowest_layer(connection.stream);
  socket.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.timeout_seconds)));

  // The card's certificate and key for this connection only; both calls take a reference.
  SSL* ssl = connection.stream.native_handle();
  if (SSL_use_certificate(ssl, card.certificate.native()) != 1 ||
      SSL_use_PrivateKey(ssl, card.key.native()) != 1) {
    outcome.error = "card_rejected_by_openssl";
    co_return outcome;
  }
  if (options_.resume && sessions_[card_index] != nullptr) {
    SSL_set_session(ssl, sessions_[card_index]);
  }
  connection.stream.set_verify_callback(asio::ssl::host_name_verification(options_.host));

  auto [connect_error] = co_await socket.async_connect(endpoint_, kNoThrow);
  if (connect_error) {
    outcome.error = network_error("connect", connect_error);
    co_return outcome;
  }
  // As browsers do, so that a request is not held back behind a delayed ACK.
  boost::system::error_code ignored;
  socket.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  auto [handshake_error] = co_await connection.stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_error) {
    outcome.error = network_error("handshake", handshake_error);
    co_return outcome;
  }
  outcome.resumed = SSL_session_reused(ssl) == 1;

  if (options_.flow == Flow::kSaml) {
    co_await saml_exchange(connection, outcome);
  } else {
    co_await oidc_exchange(connection, outcome);
  }

  // TLS 1.3 sends the session ticket after the handshake, so it is read by now.
  if (options_.resume && outcome.error.empty()) {
    remember_session(card_index, SSL_get1_session(ssl));
  }
  co_return outcome;
}

asio::awaitable<void> LoginWorker::saml_exchange(Connection& connection, Outcome& outcome) {
  std::string id = id_prefix_ + std::to_string(++requests_built_);
  std::string xml = build_authn_request(id, std::chrono::system_clock::now(), destination_,
                                        options_.sp_entity_id, options_.acs_url);
  auto query = redirect_query(xml);
  if (!query.ok()) {
    outcome.error = "deflate";
    co_return;
  }

  Request sso{bhttp::verb::get, "/saml/sso?" + *query, 11};
  sso.set(bhttp::field::host, host_header_);
  Response page;
  boost::system::error_code sso_error = co_await exchange(connection.stream, connection.buffer, sso, page);
  if (sso_error) {
    outcome.error = network_error("sso", sso_error);
    co_return;
  }
  if (page.result_int() != 200) {
    outcome.error = "sso_http_" + std::to_string(page.result_int());
    co_return;
  }
  std::string body = std::move(page.body());

  // A person with several role profiles gets the role page first; choose its first role.
  if (body.find("action=\"/saml/role\"") != std::string::npos) {
    std::string location;
    if (!co_await choose_first_role(connection, "/saml/role", 200, body, location, outcome)) {
      co_return;
    }
  }

  auto encoded = form_field(body, "SAMLResponse");
  if (!encoded) {
    outcome.error = "no_saml_response";
    co_return;
  }
  auto decoded = pki::base64_decode(*encoded);
  if (!decoded.ok()) {
    outcome.error = "saml_response_not_base64";
    co_return;
  }
  std::string response = pki::to_string(*decoded);
  if (response.find(kStatusSuccess) == std::string::npos) {
    outcome.error = "saml_status_not_success";
    co_return;
  }
  if (response.find("SignatureValue>") == std::string::npos) {
    outcome.error = "saml_response_unsigned";
    co_return;
  }
  if (result_.saml_samples.size() < options_.verify_sample) {
    outcome.saml_response = std::move(response);
  }
}

asio::awaitable<bool> LoginWorker::choose_first_role(Connection& connection, std::string_view path,
                                                    int expected_status, std::string& page,
                                                    std::string& location, Outcome& outcome) {
  outcome.role_page = true;
  auto csrf_token = form_field(page, "csrf_token");
  auto role = form_field(page, "role");
  if (!csrf_token || !role) {
    outcome.error = "role_page_without_form_fields";
    co_return false;
  }

  Request choice{bhttp::verb::post, std::string(path), 11};
  choice.set(bhttp::field::host, host_header_);
  choice.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  choice.body() = "csrf_token=" + url_encode(*csrf_token) + "&role=" + url_encode(*role);
  Response chosen;
  boost::system::error_code role_error = co_await exchange(connection.stream, connection.buffer, choice, chosen);
  if (role_error) {
    outcome.error = network_error("role", role_error);
    co_return false;
  }
  if (static_cast<int>(chosen.result_int()) != expected_status) {
    outcome.error = "role_http_" + std::to_string(chosen.result_int());
    co_return false;
  }

  page = std::move(chosen.body());
  location = std::string(chosen[bhttp::field::location]);
  co_return true;
}

asio::awaitable<void> LoginWorker::oidc_exchange(Connection& connection, Outcome& outcome) {
  auto verifier = random_token(32);
  auto challenge = verifier.ok() ? pkce_challenge(*verifier) : Result<std::string>(verifier.status());
  auto state = random_token(12);
  auto nonce = random_token(12);
  if (!challenge.ok() || !state.ok() || !nonce.ok()) {
    outcome.error = "random_bytes";
    co_return;
  }

  Request authorize{bhttp::verb::get,
                    "/oidc/authorize?response_type=code&scope=openid&client_id=" + url_encode(options_.client_id) +
                        "&redirect_uri=" + url_encode(options_.redirect_uri) + "&state=" + *state +
                        "&nonce=" + *nonce + "&code_challenge=" + *challenge + "&code_challenge_method=S256",
                    11};
  authorize.set(bhttp::field::host, host_header_);
  Response redirect;
  boost::system::error_code authorize_error =
      co_await exchange(connection.stream, connection.buffer, authorize, redirect);
  if (authorize_error) {
    outcome.error = network_error("authorize", authorize_error);
    co_return;
  }
  std::string location(redirect[bhttp::field::location]);
  // A person with several role profiles gets the role page first, so choose its first role.
  if (redirect.result_int() == 200 && redirect.body().find("action=\"/oidc/role\"") != std::string::npos) {
    std::string page = std::move(redirect.body());
    if (!co_await choose_first_role(connection, "/oidc/role", 302, page, location, outcome)) {
      co_return;
    }
  } else if (redirect.result_int() != 302) {
    outcome.error = "authorize_http_" + std::to_string(redirect.result_int());
    co_return;
  }
  auto code = query_parameter(location, "code");
  if (!code) {
    auto error = query_parameter(location, "error");
    outcome.error = "authorize_error_" + error.value_or("without_code");
    co_return;
  }

  // The relying party's token request reuses the browser's connection. A real RP sends it on
  // its own kept-alive connection, so neither costs a handshake.
  Request token{bhttp::verb::post, "/oidc/token", 11};
  token.set(bhttp::field::host, host_header_);
  token.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  token.body() = "grant_type=authorization_code&code=" + url_encode(*code) +
                 "&redirect_uri=" + url_encode(options_.redirect_uri) +
                 "&client_id=" + url_encode(options_.client_id) + "&code_verifier=" + *verifier;
  Response tokens;
  boost::system::error_code token_error = co_await exchange(connection.stream, connection.buffer, token, tokens);
  if (token_error) {
    outcome.error = network_error("token", token_error);
    co_return;
  }
  if (tokens.result_int() != 200) {
    outcome.error = "token_http_" + std::to_string(tokens.result_int());
    co_return;
  }
  if (tokens.body().find("\"id_token\"") == std::string::npos) {
    outcome.error = "token_response_without_id_token";
  }
}

}  // namespace careid::loadgen
