#include "federation/oidc/clients.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "federation/oidc/form.h"

namespace careid::federation::oidc {
namespace {

// SHA-256("s3cret"), hex.
constexpr const char* kSecretHash =
    "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

std::string portal_json(std::string_view extra = "") {
  return std::string(R"({"client_id": "portal", "client_secret_sha256": ")") + kSecretHash +
         R"(", "redirect_uris": ["https://portal.example/cb"], "scopes": ["openid", "profile"])" +
         std::string(extra) + "}";
}

}  // namespace

TEST_CASE("client registration from JSON", "[oidc][clients]") {
  Result<Client> client = parse_client_json(portal_json(), "portal.json");
  REQUIRE(client.ok());
  CHECK(client->client_id == "portal");
  CHECK(client->auth_method == ClientAuthMethod::kClientSecretBasic);
  CHECK(client->allows_redirect_uri("https://portal.example/cb"));
  CHECK_FALSE(client->allows_redirect_uri("https://portal.example/cb/"));
  CHECK_FALSE(client->allows_redirect_uri("https://portal.example/cb?x=1"));
  CHECK(client->allows_scope("profile"));
  CHECK_FALSE(client->allows_scope("nationalrbacaccess"));
}

TEST_CASE("client secret compares by hash", "[oidc][clients]") {
  Client client;
  client.auth_method = ClientAuthMethod::kClientSecretPost;
  Result<Client> parsed = parse_client_json(portal_json(), "portal.json");
  REQUIRE(parsed.ok());
  CHECK(parsed->secret_matches("s3cret"));
  CHECK_FALSE(parsed->secret_matches("s3cret-not"));
  CHECK_FALSE(parsed->secret_matches(""));
  CHECK_FALSE(client.secret_matches("anything"));
}

TEST_CASE("client registration from TOML", "[oidc][clients]") {
  std::string text = R"(client_id = "app"
token_endpoint_auth_method = "none"
redirect_uris = ["http://127.0.0.1:9000/cb"]
scopes = ["openid", "nationalrbacaccess"]
)";
  Result<Client> client = parse_client_toml(text, "app.toml");
  REQUIRE(client.ok());
  CHECK(client->is_public());
  CHECK(client->secret_sha256.empty());
  CHECK(client->allows_scope("nationalrbacaccess"));
}

TEST_CASE("client registration errors", "[oidc][clients]") {
  CHECK_FALSE(parse_client_json("{", "x").ok());
  CHECK_FALSE(parse_client_json("[]", "x").ok());
  CHECK_FALSE(parse_client_json(portal_json(R"(, "colour": "red")"), "x").ok());

  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "redirect_uris": ["https://a/cb"],
                                    "scopes": ["openid"]})",
                                "x")
                  .ok());  // secret missing
  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "token_endpoint_auth_method": "none",
                                    "redirect_uris": ["http://a.example/cb"],
                                    "scopes": ["openid"]})",
                                "x")
                  .ok());  // http off loopback
  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "token_endpoint_auth_method": "none",
                                    "redirect_uris": ["https://a.example/cb#f"],
                                    "scopes": ["openid"]})",
                                "x")
                  .ok());  // fragment
  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "token_endpoint_auth_method": "none",
                                    "redirect_uris": ["https://a.example/cb"],
                                    "scopes": ["profile"]})",
                                "x")
                  .ok());  // no openid
  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "token_endpoint_auth_method": "secret",
                                    "redirect_uris": ["https://a.example/cb"],
                                    "scopes": ["openid"]})",
                                "x")
                  .ok());

  Result<Client> short_hash = parse_client_json(
      R"({"client_id": "a", "client_secret_sha256": "abcd", "redirect_uris": ["https://a/cb"],
          "scopes": ["openid"]})",
      "short.json");
  REQUIRE_FALSE(short_hash.ok());
  CHECK(short_hash.status().message().find("short.json") != std::string::npos);

  CHECK_FALSE(parse_client_toml("client_id = ", "x").ok());
}

TEST_CASE("client grant types", "[oidc][clients]") {
  Result<Client> plain = parse_client_json(portal_json(), "portal.json");
  REQUIRE(plain.ok());
  CHECK(plain->allows_grant("authorization_code"));
  CHECK_FALSE(plain->allows_grant("refresh_token"));

  Result<Client> offline = parse_client_json(
      portal_json(R"(, "grant_types": ["authorization_code", "refresh_token"],
                      "refresh_tokens": "always")"),
      "offline.json");
  REQUIRE(offline.ok());
  CHECK(offline->allows_grant("refresh_token"));
  CHECK(offline->refresh_tokens == RefreshTokenPolicy::kAlways);

  // A service client needs neither redirect URIs nor openid.
  Result<Client> service = parse_client_json(
      std::string(R"({"client_id": "svc", "client_secret_sha256": ")") + kSecretHash +
          R"(", "grant_types": ["client_credentials"], "scopes": ["audit.read"]})",
      "svc.json");
  REQUIRE(service.ok());
  CHECK(service->redirect_uris.empty());
  CHECK(service->allows_scope("audit.read"));

  Result<Client> service_toml = parse_client_toml(
      std::string("client_id = \"svc\"\nclient_secret_sha256 = \"") + kSecretHash +
          "\"\ngrant_types = [\"client_credentials\"]\nscopes = [\"audit.read\"]\n",
      "svc.toml");
  CHECK(service_toml.ok());
}

TEST_CASE("client grant type errors", "[oidc][clients]") {
  CHECK_FALSE(parse_client_json(portal_json(R"(, "grant_types": ["password"])"), "x").ok());
  CHECK_FALSE(parse_client_json(portal_json(R"(, "grant_types": [])"), "x").ok());
  // refresh_tokens without the grant, and an unknown policy.
  CHECK_FALSE(parse_client_json(portal_json(R"(, "refresh_tokens": "always")"), "x").ok());
  CHECK_FALSE(parse_client_json(
                  portal_json(R"(, "grant_types": ["authorization_code", "refresh_token"],
                                  "refresh_tokens": "sometimes")"),
                  "x")
                  .ok());
  // refresh_token alone has no grant to refresh.
  CHECK_FALSE(parse_client_json(portal_json(R"(, "grant_types": ["refresh_token"])"), "x").ok());
  // client_credentials needs a confidential client.
  CHECK_FALSE(parse_client_json(R"({"client_id": "a", "token_endpoint_auth_method": "none",
                                    "grant_types": ["client_credentials"],
                                    "scopes": ["audit.read"]})",
                                "x")
                  .ok());
  // A service client has no redirect URIs.
  Result<Client> redirects = parse_client_json(
      portal_json(R"(, "grant_types": ["client_credentials"])"), "svc.json");
  REQUIRE_FALSE(redirects.ok());
  CHECK(redirects.status().message().find("redirect_uris") != std::string::npos);
}

TEST_CASE("client registry loads a folder", "[oidc][clients]") {
  auto folder = std::filesystem::temp_directory_path() /
                ("careid-oidc-clients-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "portal.json") << portal_json();
  std::ofstream(folder / "README.txt") << "ignored";
  std::ofstream(folder / "app.toml") << "client_id = \"app\"\n"
                                        "token_endpoint_auth_method = \"none\"\n"
                                        "redirect_uris = [\"https://app.example/cb\"]\n"
                                        "scopes = [\"openid\"]\n";

  Result<ClientRegistry> registry = ClientRegistry::load(folder);
  REQUIRE(registry.ok());
  CHECK(registry->size() == 2);
  CHECK(registry->find("portal") != nullptr);
  CHECK(registry->find("app") != nullptr);
  CHECK(registry->find("other") == nullptr);

  std::ofstream(folder / "portal2.json") << portal_json();
  CHECK(ClientRegistry::load(folder).status().code() == StatusCode::kAlreadyExists);
  std::filesystem::remove_all(folder);

  Result<ClientRegistry> missing = ClientRegistry::load(folder);
  REQUIRE(missing.ok());
  CHECK(missing->size() == 0);
}

TEST_CASE("form parsing rules", "[oidc][form]") {
  Result<Parameters> parameters = parse_form("a=1&b=x%20y&c=&d+e=f+g&&");
  REQUIRE(parameters.ok());
  CHECK(parameter(*parameters, "a") == "1");
  CHECK(parameter(*parameters, "b") == "x y");
  CHECK_FALSE(parameters->contains("c"));  // RFC 6749 3.1: no value means omitted
  CHECK(parameter(*parameters, "d e") == "f g");

  CHECK_FALSE(parse_form("a=1&a=2").ok());
  CHECK_FALSE(parse_form("a=%zz").ok());
  std::string many;
  for (std::size_t i = 0; i <= kMaxParameters; ++i) {
    many += "p" + std::to_string(i) + "=1&";
  }
  CHECK_FALSE(parse_form(many).ok());
}

TEST_CASE("query building encodes values", "[oidc][form]") {
  CHECK(append_query("https://a/cb", {{"code", "x y"}, {"state", "a&b"}}) ==
        "https://a/cb?code=x%20y&state=a%26b");
  CHECK(append_query("https://a/cb?k=1", {{"code", "c"}}) == "https://a/cb?k=1&code=c");
}

}  // namespace careid::federation::oidc
