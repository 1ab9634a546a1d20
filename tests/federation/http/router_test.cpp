#include <catch2/catch.hpp>

#include "federation/http/router.h"
#include "federation/saml/post_binding.h"

namespace careid::federation::http {

TEST_CASE("policy hashes the inline script", "[federation][http]") {
  std::string html =
      "<html><body><form action=\"https://sp.example/acs\"></form>"
      "<script>document.forms[0].submit();</script></body></html>";

  std::string policy = html_content_security_policy(html, "https://sp.example");

  // Expected value from: printf '%s' 'document.forms[0].submit();' | openssl dgst -sha256
  // -binary | base64
  CHECK_THAT(policy,
             Catch::Contains("script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='"));
  CHECK_THAT(policy, Catch::Contains("style-src 'none'"));
  CHECK_THAT(policy, Catch::Contains("form-action https://sp.example;"));
  CHECK_THAT(policy, Catch::Contains("default-src 'none'"));
  CHECK_THAT(policy, Catch::Contains("frame-ancestors 'none'"));
}

TEST_CASE("policy matches the saml post page", "[federation][http]") {
  std::string page = saml::build_post_page("https://sp.example/acs", "<samlp:Response/>", "state");
  std::string saml_policy = saml::post_page_content_security_policy();
  std::size_t hash_begin = saml_policy.find("'sha256-");
  REQUIRE(hash_begin != std::string::npos);
  std::size_t hash_end = saml_policy.find('\'', hash_begin + 1);
  REQUIRE(hash_end != std::string::npos);
  std::string script_hash = saml_policy.substr(hash_begin, hash_end - hash_begin + 1);

  std::string policy = html_content_security_policy(page, "https://sp.example");

  // The browser runs the form's script only if its hash is the one the policy allows.
  CHECK_THAT(policy, Catch::Contains("script-src " + script_hash + ";"));
  CHECK_THAT(policy, Catch::Contains("form-action https://sp.example;"));
}

TEST_CASE("policy without scripts allows none", "[federation][http]") {
  std::string policy = html_content_security_policy("<form></form><style>p{}</style>", "'none'");

  CHECK_THAT(policy, Catch::Contains("script-src 'none'"));
  CHECK_THAT(policy, Catch::Contains("style-src 'sha256-"));
  CHECK_THAT(policy, Catch::Contains("form-action 'none'"));
}

TEST_CASE("text response has security headers", "[federation][http]") {
  Response response = make_text_response(boost::beast::http::status::forbidden, "Denied", 11, true);

  CHECK(response.result_int() == 403);
  CHECK(response.body() == "Denied\n");
  CHECK(response[boost::beast::http::field::content_type] == "text/plain; charset=utf-8");
  CHECK(response["X-Content-Type-Options"] == "nosniff");
  CHECK(response[boost::beast::http::field::cache_control] == "no-store");
  CHECK_THAT(std::string(response["Content-Security-Policy"]),
             Catch::Contains("default-src 'none'"));
  CHECK(response.keep_alive());
}

}  // namespace careid::federation::http
