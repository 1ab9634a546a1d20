#include "federation/saml/redirect_binding.h"

#include <catch2/catch.hpp>

#include "tests/federation/saml/saml_test_support.h"

namespace saml = careid::federation::saml;
using careid::StatusCode;
using namespace careid::testing;

TEST_CASE("url_decode handles escapes", "[federation][saml]") {
  CHECK(saml::url_decode("a%2Bb+c%3d%00").value() == std::string("a+b c=\0", 7));
  CHECK(saml::url_decode("").value().empty());
  for (const char* bad : {"%", "%4", "%zz", "abc%g1", "%%41"}) {
    INFO(bad);
    CHECK(saml::url_decode(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("inflate_raw enforces output limit", "[federation][saml]") {
  std::string data(10000, 'x');
  std::string compressed = deflate_raw(data);
  CHECK(saml::inflate_raw(compressed, data.size()).value() == data);

  auto over = saml::inflate_raw(compressed, data.size() - 1);
  CHECK(over.status().code() == StatusCode::kResourceExhausted);

  // About 1000:1; the limit stops inflation long before 100 MB are produced.
  std::string bomb = deflate_raw(std::string(100 * 1024 * 1024, '\0'));
  CHECK(bomb.size() < 200 * 1024);
  CHECK(saml::inflate_raw(bomb, saml::kMaxInflatedBytes).status().code() ==
        StatusCode::kResourceExhausted);
}

TEST_CASE("inflate_raw rejects every truncation", "[federation][saml]") {
  std::string compressed = deflate_raw(authn_request_xml());
  for (std::size_t i = 0; i < compressed.size(); ++i) {
    INFO(i);
    CHECK(!saml::inflate_raw(compressed.substr(0, i), saml::kMaxInflatedBytes).ok());
  }
  CHECK(saml::inflate_raw(compressed + "extra", saml::kMaxInflatedBytes).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("redirect query keeps raw values", "[federation][saml]") {
  std::string query = redirect_query("<x/>", "a b") + "&SigAlg=http%3A%2F%2Fexample&Signature=c2ln&other=1";
  auto message = saml::decode_redirect_query(query);
  REQUIRE(message.ok());
  CHECK(message->saml_request == "<x/>");
  CHECK(message->relay_state == "a b");
  CHECK(message->raw_relay_state == "a%20b");
  CHECK(message->sig_alg == "http://example");
  CHECK(message->raw_sig_alg == "http%3A%2F%2Fexample");
  CHECK(message->signature == "c2ln");
}

TEST_CASE("redirect query limits and duplicates", "[federation][saml]") {
  std::string request = redirect_query("<x/>");
  CHECK(saml::decode_redirect_query(request + "&RelayState=" + std::string(80, 'r')).ok());
  CHECK(saml::decode_redirect_query(request + "&RelayState=" + std::string(81, 'r')).status().code() ==
        StatusCode::kResourceExhausted);
  // 80 bytes after decoding: each %41 is one byte.
  std::string escaped;
  for (int i = 0; i < 80; ++i) {
    escaped += "%41";
  }
  CHECK(saml::decode_redirect_query(request + "&RelayState=" + escaped).ok());
  CHECK(saml::decode_redirect_query(request + "&RelayState=a&RelayState=b").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(saml::decode_redirect_query(request + "&Signature=a&Signature=b").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(saml::decode_redirect_query("").status().code() == StatusCode::kInvalidArgument);
  CHECK(saml::decode_redirect_query("SAMLRequest=").status().code() == StatusCode::kInvalidArgument);
  CHECK(saml::decode_redirect_query(std::string(saml::kMaxQueryBytes + 1, 'a')).status().code() ==
        StatusCode::kResourceExhausted);
}
