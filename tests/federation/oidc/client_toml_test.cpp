// Client registration files in TOML with invalid UTF-8, found by the oidc_client fuzz
// target: toml11 3.7.1 read past the end of its buffer on them.
#include <string>

#include <catch2/catch.hpp>

#include "federation/oidc/clients.h"

namespace careid::federation::oidc {
namespace {

TEST_CASE("client TOML invalid UTF-8 rejected", "[oidc][clients]") {
  Result<Client> client = parse_client_toml("'\xE0'", "crash.toml");

  REQUIRE_FALSE(client.ok());
  CHECK(client.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(client.status().message(), Catch::Contains("crash.toml"));
}

TEST_CASE("client TOML invalid UTF-8 in value", "[oidc][clients]") {
  std::string text = "client_id = 'app\xFF'\n"
                     "token_endpoint_auth_method = \"none\"\n"
                     "redirect_uris = [\"http://127.0.0.1:9000/cb\"]\n"
                     "scopes = [\"openid\"]\n";

  CHECK_FALSE(parse_client_toml(text, "value.toml").ok());
}

}  // namespace
}  // namespace careid::federation::oidc
