#include <catch2/catch.hpp>

#include <poll.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "base/metrics.h"
#include "federation/http/https_server.h"
#include "tests/federation/http/test_pki.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::http {
namespace {

using testing::TestPki;

// One set of certificates for every test in this file, because key generation is slow.
const TestPki& shared_pki() {
  static TestPki pki;
  return pki;
}

Config make_config(const TestPki& pki) {
  Config config;
  config.https.listen_address = "127.0.0.1";
  config.https.port = 0;
  config.https.certificate = pki.path("server.pem");
  config.https.private_key = pki.path("server.key");
  config.https.card_ca = pki.path("card-ca.pem");
  config.https.max_header_bytes = 4096;
  config.https.max_body_bytes = 1024;
  config.https.request_timeout_seconds = 10;
  config.https.threads = 2;
  config.saml.persistent_id_secret = pki.path("persistent-id.secret");
  return config;
}

struct RunningServer {
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  std::unique_ptr<HttpsServer> server;
  std::uint16_t port = 0;

  explicit RunningServer(const Config& config, ServerOptions options = {}) {
    source.people.emplace(testing::kTestUid, testing::make_test_person());
    Result<std::unique_ptr<HttpsServer>> created =
        HttpsServer::create(config, source, idp, options);
    REQUIRE(created.ok());
    server = std::move(*created);
    Result<std::uint16_t> bound = server->start();
    REQUIRE(bound.ok());
    port = *bound;
  }
};

struct CurlResult {
  int status = 0;         // 0 when curl got no HTTP response
  std::string write_out;  // curl's whole standard output
  std::string headers;
  std::string body;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string read_command_output(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[256];
  while (std::size_t length = std::fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, length);
  }
  ::pclose(pipe);
  return output;
}

// Runs Debian's curl against the server on loopback; `card` is a certificate name from
// TestPki, or empty for none. -q ignores any ~/.curlrc and --noproxy keeps it on loopback.
CurlResult run_curl(std::uint16_t port, const std::string& target, const std::string& card,
                    const std::string& extra = "") {
  const TestPki& pki = shared_pki();
  std::filesystem::path body = pki.path("curl.body");
  std::filesystem::path headers = pki.path("curl.headers");
  std::filesystem::remove(body);
  std::filesystem::remove(headers);

  std::string command = "curl -q -s --noproxy '*' --max-time 20 --cacert '" +
                        pki.path("server.pem").string() + "' -o '" + body.string() + "' -D '" +
                        headers.string() + "' -w '%{http_code}' " + extra;
  if (!card.empty()) {
    command += " --cert '" + pki.path(card + ".pem").string() + "' --key '" +
               pki.path(card + ".key").string() + "'";
  }
  command += " 'https://127.0.0.1:" + std::to_string(port) + target + "' 2>/dev/null";

  CurlResult result;
  result.write_out = read_command_output(command);
  result.status = std::atoi(result.write_out.c_str());
  result.headers = read_file(headers);
  result.body = read_file(body);
  return result;
}

const std::string kSsoTarget = std::string("/saml/sso?") + testing::kGoodQuery;

}  // namespace

TEST_CASE("https sso without card is 403", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult result = run_curl(running.port, kSsoTarget, "");

  CHECK(result.status == 403);
  CHECK_THAT(result.body, Catch::Contains("No smartcard certificate"));
  CHECK_THAT(result.headers, Catch::Contains("content-type: text/plain; charset=utf-8") ||
                                 Catch::Contains("Content-Type: text/plain; charset=utf-8"));
  CHECK(running.source.calls == 0);
}

TEST_CASE("https sso with foreign card is 403", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult result = run_curl(running.port, kSsoTarget, "foreign");

  CHECK(result.status == 403);
  CHECK_THAT(result.body, Catch::Contains("is not a valid careid smartcard certificate"));
  CHECK_THAT(result.body, Catch::Contains("unable to verify the first certificate"));
  CHECK_THAT(result.body, Catch::Contains("CN=555000000001"));
  CHECK(running.source.calls == 0);
}

TEST_CASE("https sso with server-only card is 403", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult result = run_curl(running.port, kSsoTarget, "server-purpose");

  CHECK(result.status == 403);
  CHECK_THAT(result.body, Catch::Contains("unsuitable certificate purpose"));
  CHECK(running.source.calls == 0);
}

TEST_CASE("https sso with valid card posts form", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  // One role profile, so no role page comes first.
  running.source.people.at(testing::kTestUid).roles.resize(1);

  CurlResult result = run_curl(running.port, kSsoTarget, "card");

  REQUIRE(result.status == 200);
  CHECK_THAT(result.body, Catch::Contains("uid=555000000001"));
  CHECK_THAT(result.body, Catch::Contains("action=\"https://sp.example.test:8444/acs\""));
  CHECK_THAT(result.headers, Catch::Contains("Cache-Control: no-cache, no-store"));
  CHECK_THAT(result.headers, Catch::Contains("Pragma: no-cache"));
  CHECK_THAT(result.headers, Catch::Contains("X-Content-Type-Options: nosniff"));
  CHECK_THAT(result.headers, Catch::Contains("script-src 'sha256-"));
  CHECK_THAT(result.headers, Catch::Contains("form-action https://sp.example.test:8444;"));
  CHECK(running.source.calls == 1);
}

TEST_CASE("https sso POST binding posts form", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  running.source.people.at(testing::kTestUid).roles.resize(1);
  // curl's --data-binary sends Content-Type application/x-www-form-urlencoded.
  std::string form = std::string("--data-binary '") + testing::kGoodQuery + "'";

  CurlResult result = run_curl(running.port, "/saml/sso", "card", form);
  CurlResult no_card = run_curl(running.port, "/saml/sso", "", form);
  CurlResult wrong_type =
      run_curl(running.port, "/saml/sso", "card", form + " -H 'Content-Type: text/plain'");
  CurlResult put = run_curl(running.port, "/saml/sso", "card", "-X PUT");

  REQUIRE(result.status == 200);
  CHECK_THAT(result.body, Catch::Contains("uid=555000000001"));
  CHECK_THAT(result.headers, Catch::Contains("form-action https://sp.example.test:8444;"));
  CHECK(no_card.status == 403);
  CHECK(wrong_type.status == 415);
  CHECK(put.status == 405);
  CHECK_THAT(put.headers, Catch::Contains("Allow: GET, POST"));
}

TEST_CASE("https SAML logout redirects", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  std::string target = std::string("/saml/slo?") + testing::kGoodLogoutQuery;

  // No card is needed: the LogoutRequest's signature authenticates the SP.
  CurlResult redirect = run_curl(running.port, target, "");
  CurlResult post = run_curl(running.port, "/saml/slo", "",
                             std::string("--data-binary '") + testing::kGoodLogoutQuery + "'");
  CurlResult rejected = run_curl(running.port, "/saml/slo?SAMLRequest=forged", "");

  REQUIRE(redirect.status == 302);
  CHECK_THAT(redirect.headers,
             Catch::Contains(std::string("Location: ") + testing::kTestSlo + "?to=_logout1"));
  CHECK(post.status == 302);
  CHECK(rejected.status == 400);
}

TEST_CASE("https role page session logout", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult page = run_curl(running.port, kSsoTarget, "card");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("action=\"/saml/role\""));
  CHECK_THAT(page.headers, Catch::Contains("form-action 'self'"));
  const std::string token_field = "name=\"csrf_token\" value=\"";
  std::size_t at = page.body.find(token_field);
  REQUIRE(at != std::string::npos);
  at += token_field.size();
  std::string token = page.body.substr(at, page.body.find('"', at) - at);

  CurlResult chosen = run_curl(running.port, "/saml/role", "card",
                               "--data 'csrf_token=" + token + "&role=100000000002'");
  REQUIRE(chosen.status == 200);
  CHECK_THAT(chosen.body, Catch::Contains("roles=100000000002,;"));
  CHECK_THAT(chosen.headers, Catch::Contains("Set-Cookie: __Host-careid_session="));
  at = chosen.headers.find("__Host-careid_session=");
  REQUIRE(at != std::string::npos);
  std::string cookie = chosen.headers.substr(at, chosen.headers.find(';', at) - at);

  CurlResult reused = run_curl(running.port, kSsoTarget, "card", "-H '" + std::string("Cookie: ") + cookie + "'");
  REQUIRE(reused.status == 200);
  CHECK_THAT(reused.body, Catch::Contains("roles=100000000002,;"));
  CHECK_THAT(reused.headers, !Catch::Contains("Set-Cookie"));

  CurlResult no_card = run_curl(running.port, kSsoTarget, "", "-H '" + std::string("Cookie: ") + cookie + "'");
  CHECK(no_card.status == 403);

  CurlResult logout = run_curl(running.port, "/logout", "", "-H '" + std::string("Cookie: ") + cookie + "'");
  CHECK(logout.status == 200);
  CHECK_THAT(logout.headers, Catch::Contains("Max-Age=0"));
  CurlResult after = run_curl(running.port, kSsoTarget, "card", "-H '" + std::string("Cookie: ") + cookie + "'");
  CHECK_THAT(after.body, Catch::Contains("action=\"/saml/role\""));

  CurlResult get_role = run_curl(running.port, "/saml/role", "card");
  CHECK(get_role.status == 405);
  CHECK_THAT(get_role.headers, Catch::Contains("Allow: POST"));
}

TEST_CASE("https sso card with bad subject", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult alice = run_curl(running.port, kSsoTarget, "alice");
  CurlResult stranger = run_curl(running.port, kSsoTarget, "stranger");

  CHECK(alice.status == 403);
  CHECK_THAT(alice.body, Catch::Contains("12 digits"));
  CHECK(stranger.status == 403);
  CHECK_THAT(stranger.body, Catch::Contains("555000000099 is not registered"));
}

TEST_CASE("https sso bad request is 400", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult result = run_curl(running.port, "/saml/sso?SAMLRequest=junk", "card");

  CHECK(result.status == 400);
  CHECK_THAT(result.body, Catch::Contains("not valid base64"));
}

TEST_CASE("https store error is 503", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  running.source.fail = true;

  CurlResult result = run_curl(running.port, kSsoTarget, "card");

  CHECK(result.status == 503);
}

TEST_CASE("https serves metadata and status", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult metadata = run_curl(running.port, "/saml/metadata", "");
  CHECK(metadata.status == 200);
  CHECK_THAT(metadata.headers, Catch::Contains("Content-Type: application/samlmetadata+xml"));
  CHECK_THAT(metadata.body, Catch::Contains("EntityDescriptor"));

  CurlResult status = run_curl(running.port, "/", "");
  CHECK(status.status == 200);
  CHECK_THAT(status.body, Catch::Contains("/saml/metadata"));
  CHECK_THAT(status.body, Catch::Contains("/saml/sso"));

  CurlResult health = run_curl(running.port, "/healthz", "");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
}

TEST_CASE("https unknown path and method", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult missing = run_curl(running.port, "/saml/nothing", "");
  CHECK(missing.status == 404);

  CurlResult post = run_curl(running.port, "/healthz", "", "-X POST");
  CHECK(post.status == 405);
  CHECK_THAT(post.headers, Catch::Contains("Allow: GET"));
}

TEST_CASE("https oversized header is 431", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  CurlResult result =
      run_curl(running.port, "/healthz", "", "-H 'X-Padding: " + std::string(8000, 'a') + "'");
  CHECK(result.status == 431);

  CurlResult fits =
      run_curl(running.port, "/healthz", "", "-H 'X-Padding: " + std::string(1000, 'a') + "'");
  CHECK(fits.status == 200);
}

TEST_CASE("https oversized body is 413", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  shared_pki().write("big.body", std::string(4096, 'b'));

  CurlResult result = run_curl(running.port, "/healthz", "",
                               "--data-binary '@" + shared_pki().path("big.body").string() + "'");

  CHECK(result.status == 413);
}

TEST_CASE("https keeps connection for several requests", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  std::string second = "-o /dev/null 'https://127.0.0.1:" + std::to_string(running.port) +
                       "/healthz' -w '%{http_code}:%{num_connects} '";

  // curl reuses the first connection for the second URL, so num_connects is 0 there.
  CurlResult result = run_curl(running.port, "/", "", second);

  CHECK(result.write_out == "200:1 200:0 ");
}

TEST_CASE("https rejects TLS 1.1", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  std::string connect = "openssl s_client -connect 127.0.0.1:" + std::to_string(running.port) +
                        " -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1";

  // SECLEVEL=0 lets the client offer TLS 1.1, so the refusal below is the server's.
  std::string old_protocol = read_command_output(connect + " -tls1_1");
  std::string current_protocol = read_command_output(connect + " -tls1_2");

  CHECK_THAT(old_protocol, Catch::Contains("alert protocol version"));
  CHECK_THAT(current_protocol, Catch::Contains("Protocol  : TLSv1.2"));
}

TEST_CASE("https requests card from card CA", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  std::string output = read_command_output(
      "openssl s_client -connect 127.0.0.1:" + std::to_string(running.port) + " </dev/null 2>&1");

  // The CertificateRequest names the card CA and nothing else.
  CHECK_THAT(output, Catch::Contains("Acceptable client certificate CA names\n"
                                     "O = nhs, CN = careid Test Card CA\n"
                                     "Requested Signature Algorithms"));
}

TEST_CASE("https sends server certificate alone", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));

  std::string output = read_command_output("openssl s_client -showcerts -connect 127.0.0.1:" +
                                           std::to_string(running.port) + " </dev/null 2>&1");

  // The CA is a trust anchor that clients already hold, so only the leaf is sent.
  CHECK_THAT(output, Catch::Contains("-----BEGIN CERTIFICATE-----"));
  std::size_t first = output.find("-----BEGIN CERTIFICATE-----");
  CHECK(output.find("-----BEGIN CERTIFICATE-----", first + 1) == std::string::npos);
}

TEST_CASE("https rejects group readable key", "[federation][http]") {
  const TestPki& pki = shared_pki();
  pki.run("cp server.key loose.key && chmod 644 loose.key");
  Config config = make_config(pki);
  config.https.private_key = pki.path("loose.key");
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;

  Result<std::unique_ptr<HttpsServer>> created = HttpsServer::create(config, source, idp);

  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.status().message(), Catch::Contains("chmod 600"));
}

TEST_CASE("https reports missing card CA", "[federation][http]") {
  Config config = make_config(shared_pki());
  config.https.card_ca = shared_pki().path("no-such-ca.pem");
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;

  Result<std::unique_ptr<HttpsServer>> created = HttpsServer::create(config, source, idp);

  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.status().message(), Catch::Contains("no-such-ca.pem"));
}

TEST_CASE("https stop closes idle connections", "[federation][http][net]") {
  RunningServer running(make_config(shared_pki()));
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket idle(io);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), running.port});

  // The idle client never sends a ClientHello; stop must not wait for its timeout.
  auto begin = std::chrono::steady_clock::now();
  running.server->stop();
  auto elapsed = std::chrono::steady_clock::now() - begin;

  CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("https times out silent client", "[federation][http][net]") {
  Config config = make_config(shared_pki());
  config.https.request_timeout_seconds = 1;
  RunningServer running(config);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket silent(io);
  silent.connect({boost::asio::ip::make_address("127.0.0.1"), running.port});

  // The client never starts the TLS handshake; the server must close within its deadline.
  pollfd poll_fd{silent.native_handle(), POLLIN, 0};
  auto begin = std::chrono::steady_clock::now();
  int ready = ::poll(&poll_fd, 1, 5000);
  auto elapsed = std::chrono::steady_clock::now() - begin;

  REQUIRE(ready == 1);
  char byte = 0;
  boost::system::error_code ec;
  silent.read_some(boost::asio::buffer(&byte, 1), ec);
  CHECK(ec == boost::asio::error::eof);
  CHECK(elapsed >= std::chrono::milliseconds(900));
  CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("https limits concurrent connections", "[federation][http][net]") {
  ServerOptions options;
  options.max_connections = 1;
  RunningServer running(make_config(shared_pki()), options);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket idle(io);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), running.port});
  // Let the server register the idle connection before curl arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  CurlResult rejected = run_curl(running.port, "/healthz", "");
  CHECK(rejected.status == 0);

  idle.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CurlResult served = run_curl(running.port, "/healthz", "");
  CHECK(served.status == 200);
}

// Returns the value of an unlabelled sample `name` in the metrics exposition, or -1.
double metric_value(const std::string& name) {
  std::string text = metrics::registry().scrape();
  std::size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stod(text.substr(at + name.size() + 2));
}

// Opens `count` connections that each send the header of a TLS record whose 100 bytes never
// follow, so that the server's handshakes wait for them until their deadline. With
// max_handshakes = 1 two are needed: the accept loop waits for a free slot before each
// accept, so the second is accepted while the first has not yet sent its bytes.
std::vector<boost::asio::ip::tcp::socket> stall_handshakes(boost::asio::io_context& io, std::uint16_t port,
                                                           int count) {
  std::vector<boost::asio::ip::tcp::socket> sockets;
  const unsigned char record_header[] = {0x16, 0x03, 0x01, 0x00, 0x64};
  for (int i = 0; i < count; ++i) {
    sockets.emplace_back(io);
    sockets.back().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(sockets.back(), boost::asio::buffer(record_header));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return sockets;
}

TEST_CASE("https handshake limit queues connections", "[federation][http][net]") {
  Config config = make_config(shared_pki());
  config.https.max_handshakes = 1;
  config.https.handshake_timeout_seconds = 1;
  RunningServer running(config);
  boost::asio::io_context io;
  auto stalled = stall_handshakes(io, running.port, 2);

  // The stalled handshakes fill the limit until they time out, so curl's connection waits
  // in the accept queue and is then served.
  auto begin = std::chrono::steady_clock::now();
  CurlResult served = run_curl(running.port, "/healthz", "");
  auto elapsed = std::chrono::steady_clock::now() - begin;

  CHECK(served.status == 200);
  CHECK(elapsed >= std::chrono::milliseconds(500));
}

TEST_CASE("https silent connection takes no handshake", "[federation][http][net]") {
  Config config = make_config(shared_pki());
  config.https.max_handshakes = 1;
  config.https.handshake_timeout_seconds = 30;
  RunningServer running(config);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket silent(io);
  silent.connect({boost::asio::ip::make_address("127.0.0.1"), running.port});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // A connection that sends nothing must not hold back others for its 30 s deadline,
  // and curl gives up after 20 s.
  CurlResult served = run_curl(running.port, "/healthz", "");
  CHECK(served.status == 200);
}

TEST_CASE("https drops connection closed while queued", "[federation][http][net]") {
  Config config = make_config(shared_pki());
  config.https.max_handshakes = 1;
  config.https.handshake_timeout_seconds = 1;
  RunningServer running(config);
  double dropped_before = metric_value("careid_https_connections_closed_before_handshake_total");
  REQUIRE(dropped_before >= 0);
  boost::asio::io_context io;
  auto stalled = stall_handshakes(io, running.port, 2);

  // A client that gives up while its connection waits in the accept queue.
  boost::asio::ip::tcp::socket abandoned(io);
  abandoned.connect({boost::asio::ip::make_address("127.0.0.1"), running.port});
  abandoned.close();

  // Once the stalled handshakes time out, the server accepts the abandoned connection,
  // drops it without a handshake, and still serves the next client.
  CurlResult served = run_curl(running.port, "/healthz", "");
  CHECK(served.status == 200);
  CHECK(metric_value("careid_https_connections_closed_before_handshake_total") == dropped_before + 1);
}

}  // namespace careid::federation::http
