#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "base/metrics.h"
#include "base/metrics_server.h"

namespace {

using careid::metrics::Exposition;
using careid::metrics::Histogram;
using careid::metrics::MetricType;

// Sends `request` to 127.0.0.1:`port` and returns everything the server writes until it
// closes the connection.
std::string http_exchange(std::uint16_t port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);
  return response;
}

}  // namespace

TEST_CASE("exposition writes counter family", "[base][metrics]") {
  Exposition exposition;
  exposition.family("careid_test_total", "Requests\\seen\nby the test.", MetricType::kCounter);
  exposition.sample("careid_test_total", {{"op", "search"}, {"code", "0"}}, 42);
  exposition.sample("careid_test_total", {}, 1.5);

  CHECK(exposition.text() ==
        "# HELP careid_test_total Requests\\\\seen\\nby the test.\n"
        "# TYPE careid_test_total counter\n"
        "careid_test_total{op=\"search\",code=\"0\"} 42\n"
        "careid_test_total 1.5\n");
}

TEST_CASE("exposition escapes label values", "[base][metrics]") {
  CHECK(careid::metrics::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");

  Exposition exposition;
  exposition.sample("m", {{"path", "/x\"y"}}, 0);
  CHECK(exposition.text() == "m{path=\"/x\\\"y\"} 0\n");
}

TEST_CASE("exposition formats special values", "[base][metrics]") {
  CHECK(careid::metrics::format_value(0.25) == "0.25");
  CHECK(careid::metrics::format_value(-3) == "-3");
  CHECK(careid::metrics::format_value(1e300 * 1e300) == "+Inf");
  CHECK(careid::metrics::format_value(-1e300 * 1e300) == "-Inf");
  CHECK(careid::metrics::format_value(std::nan("")) == "NaN");
  CHECK(careid::metrics::format_value(12345678901.0) == "12345678901");
}

TEST_CASE("histogram buckets are cumulative", "[base][metrics]") {
  Histogram histogram({0.1, 1});
  histogram.observe(0.05);
  histogram.observe(0.1);
  histogram.observe(0.5);
  histogram.observe(7);

  Histogram::Snapshot snapshot = histogram.snapshot();
  REQUIRE(snapshot.cumulative_counts.size() == 2);
  CHECK(snapshot.cumulative_counts[0] == 2);
  CHECK(snapshot.cumulative_counts[1] == 3);
  CHECK(snapshot.count == 4);
  CHECK(snapshot.sum == Approx(7.65));

  Exposition exposition;
  exposition.family("careid_latency_seconds", "Latency.", MetricType::kHistogram);
  exposition.histogram("careid_latency_seconds", {{"op", "bind"}}, snapshot);
  CHECK(exposition.text() ==
        "# HELP careid_latency_seconds Latency.\n"
        "# TYPE careid_latency_seconds histogram\n"
        "careid_latency_seconds_bucket{op=\"bind\",le=\"0.1\"} 2\n"
        "careid_latency_seconds_bucket{op=\"bind\",le=\"1\"} 3\n"
        "careid_latency_seconds_bucket{op=\"bind\",le=\"+Inf\"} 4\n"
        "careid_latency_seconds_sum{op=\"bind\"} 7.65\n"
        "careid_latency_seconds_count{op=\"bind\"} 4\n");
}

TEST_CASE("registry scrapes collectors in order", "[base][metrics]") {
  careid::metrics::Registry registry;
  careid::metrics::Counter counter;
  counter.increment(3);
  auto first = registry.add([&](Exposition& out) { out.sample("first", {}, static_cast<double>(counter.value())); });
  {
    auto second = registry.add([](Exposition& out) { out.sample("second", {}, 1); });
    CHECK(registry.scrape() == "first 3\nsecond 1\n");
  }
  CHECK(registry.scrape() == "first 3\n");
}

TEST_CASE("metrics server serves registry", "[base][metrics][net]") {
  auto registration = careid::metrics::registry().add(
      [](Exposition& out) { out.sample("careid_metrics_server_test", {}, 7); });
  careid::metrics::MetricsServer server;
  auto port = server.start("127.0.0.1:0");
  REQUIRE(port.ok());

  std::string ok = http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(ok.find("\r\n\r\n") != std::string::npos);
  CHECK(ok.find("careid_metrics_server_test 7\n") != std::string::npos);

  std::string missing = http_exchange(*port, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(missing.starts_with("HTTP/1.1 404 "));

  std::string post = http_exchange(*port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(post.starts_with("HTTP/1.1 405 "));
  server.stop();
}

TEST_CASE("metrics server rejects bad listen", "[base][metrics]") {
  careid::metrics::MetricsServer server;
  CHECK(server.start("localhost:9464").status().code() == careid::StatusCode::kInvalidArgument);
  CHECK(server.start("127.0.0.1").status().code() == careid::StatusCode::kInvalidArgument);
  CHECK(server.start("127.0.0.1:70000").status().code() == careid::StatusCode::kInvalidArgument);
}
