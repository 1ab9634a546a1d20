#include "federation/http/http_url.h"

#include <catch2/catch.hpp>

namespace careid::federation::http {

TEST_CASE("http URL splits host port target", "[federation][http][url]") {
  auto plain = parse_http_url("http://127.0.0.1:8080/metadata/aggregate.xml?v=2");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == "8080");
  CHECK(plain->target == "/metadata/aggregate.xml?v=2");

  auto secure = parse_http_url("https://metadata.example");
  REQUIRE(secure.ok());
  CHECK(secure->tls);
  CHECK(secure->port == "443");
  CHECK(secure->target == "/");

  auto ipv6 = parse_http_url("http://[::1]:9000?x=1");
  REQUIRE(ipv6.ok());
  CHECK(ipv6->host == "::1");
  CHECK(ipv6->port == "9000");
  CHECK(ipv6->target == "/?x=1");

  auto ipv6_default = parse_http_url("https://[::1]/md");
  REQUIRE(ipv6_default.ok());
  CHECK(ipv6_default->host == "::1");
  CHECK(ipv6_default->port == "443");
}

TEST_CASE("http URL rejects bad forms", "[federation][http][url]") {
  for (const char* url : {"ftp://host/x", "https://", "http://:80/x", "http://host:80a/",
                          "http://host:123456/", "http://user@host/", "http://host/a b",
                          "http://host/a\r\nX: y"}) {
    INFO(url);
    CHECK(parse_http_url(url).status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace careid::federation::http
