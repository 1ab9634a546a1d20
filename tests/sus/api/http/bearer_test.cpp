#include "sus/api/http/bearer.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "sus/api/http/mount.h"
#include "tests/federation/oidc/provider_fixture.h"

namespace careid::sus::api::http {
namespace {

namespace oidc = federation::oidc;
using federation::Person;
using federation::RoleProfile;

constexpr const char* kTwoRoles = "555000000001";
constexpr const char* kOneRole = "555000000011";

RoleProfile role(std::string id, std::string org, std::vector<std::string> codes) {
  RoleProfile profile;
  profile.id = std::move(id);
  profile.org_code = std::move(org);
  profile.job_role_code = "S8000:G8000:R8000";
  for (std::string& code : codes) {
    profile.activities.push_back({std::move(code), ""});
  }
  return profile;
}

// The OpenID provider fixture with these people in place of its own: kTwoRoles has a
// provider role and a role without SUS activities, kOneRole has one provider role.
struct Fixture : oidc::Fixture {
  explicit Fixture(std::string issuer = oidc::kIssuer) : oidc::Fixture(std::move(issuer)) {
    source.people.clear();
    Person two_roles;
    two_roles.uid = kTwoRoles;
    two_roles.roles = {role("555000000003", "R0A", {"B9600", "B9601"}),
                       role("555000000005", "A81001", {"B0825"})};
    source.people.emplace(kTwoRoles, two_roles);
    Person one_role;
    one_role.uid = kOneRole;
    one_role.roles = {role("555000000013", "RGR", {"B9600"})};
    source.people.emplace(kOneRole, one_role);
  }

  // Runs the code flow of the client "portal" for `uid` and returns the access token.
  std::string access_token(const std::string& uid) {
    return code_tokens("portal", "openid profile", uid)["access_token"].get<std::string>();
  }
};

TEST_CASE("bearer token with one role", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  auto caller = authenticator.authenticate("Bearer " + fixture.access_token(kOneRole), "");
  REQUIRE(caller.ok());
  CHECK(caller->uid == kOneRole);
  CHECK(caller->role_id == "555000000013");
  CHECK(caller->org_code == "RGR");
  CHECK(caller->activity_codes == std::vector<std::string>{"B9600"});

  // The scheme name is case-insensitive (RFC 7235 2.1).
  CHECK(authenticator.authenticate("bearer " + fixture.access_token(kOneRole), "").ok());
}

TEST_CASE("bearer role chosen by header", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  std::string token = "Bearer " + fixture.access_token(kTwoRoles);

  auto provider_role = authenticator.authenticate(token, "555000000003");
  REQUIRE(provider_role.ok());
  CHECK(provider_role->org_code == "R0A");
  auto practice_role = authenticator.authenticate(token, "555000000005");
  REQUIRE(practice_role.ok());
  CHECK(practice_role->org_code == "A81001");

  auto none = authenticator.authenticate(token, "");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().status == 400);
  CHECK(none.error().body.find("555000000003, 555000000005") != std::string::npos);

  auto foreign = authenticator.authenticate(token, "555000000013");
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().status == 403);
  CHECK(foreign.error().body.find("'555000000013'") != std::string::npos);
}

TEST_CASE("bearer missing token is 401 without error", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  for (const char* header : {"", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer"}) {
    auto result = authenticator.authenticate(header, "");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().status == 401);
    CHECK(result.error().www_authenticate == "Bearer realm=\"careid\"");
  }
}

TEST_CASE("bearer invalid tokens are 401 invalid_token", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  std::string token = fixture.access_token(kOneRole);

  Fixture other_keys;  // same issuer, another signing key
  std::string foreign = other_keys.access_token(kOneRole);
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  std::string id_token =
      fixture.code_tokens("portal", "openid profile", kOneRole)["id_token"].get<std::string>();
  Fixture other_issuer("https://other.example");
  std::string wrong_issuer = other_issuer.access_token(kOneRole);

  for (const std::string& bad : {foreign, tampered, id_token, wrong_issuer, std::string("x.y.z")}) {
    auto result = authenticator.authenticate("Bearer " + bad, "");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().status == 401);
    CHECK(result.error().www_authenticate == "Bearer realm=\"careid\", error=\"invalid_token\"");
  }
}

TEST_CASE("bearer expired token is 401", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  std::string token = "Bearer " + fixture.access_token(kOneRole);
  fixture.now += std::chrono::seconds(599);
  CHECK(authenticator.authenticate(token, "").ok());
  fixture.now += std::chrono::seconds(2);
  auto expired = authenticator.authenticate(token, "");
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().status == 401);
  CHECK(expired.error().www_authenticate.find("invalid_token") != std::string::npos);
}

TEST_CASE("bearer revoked token is 401", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  std::string token = fixture.access_token(kOneRole);
  REQUIRE(fixture.post("/oidc/revoke", "token=" + oidc::form_encode(token), "portal").status == 200);

  auto result = authenticator.authenticate("Bearer " + token, "");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().status == 401);
}

TEST_CASE("bearer token without a user is 403", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  oidc::OidcReply service =
      fixture.token("grant_type=client_credentials", oidc::basic("service", "portal-secret"));
  REQUIRE(service.status == 200);
  std::string client_token = oidc::Json::parse(service.body)["access_token"].get<std::string>();
  auto result = authenticator.authenticate("Bearer " + client_token, "");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().status == 403);
  CHECK(result.error().www_authenticate.find("insufficient_scope") != std::string::npos);

  std::string openid_only =
      fixture.code_tokens("portal", "openid", kOneRole)["access_token"].get<std::string>();
  auto no_uid = authenticator.authenticate("Bearer " + openid_only, "");
  REQUIRE_FALSE(no_uid.ok());
  CHECK(no_uid.error().status == 403);
}

TEST_CASE("bearer person removed or directory down", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  std::string token = "Bearer " + fixture.access_token(kOneRole);
  fixture.source.fail = true;
  auto down = authenticator.authenticate(token, "");
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().status == 503);

  fixture.source.fail = false;
  fixture.source.people.erase(kOneRole);
  auto removed = authenticator.authenticate(token, "");
  REQUIRE_FALSE(removed.ok());
  CHECK(removed.error().status == 401);
}

TEST_CASE("mount sets status and headers", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.source);
  auto folder = std::filesystem::temp_directory_path() / ("careid-sus-mount-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  auto store = storage::SusStore::open(folder);
  REQUIRE(store.ok());
  SusApi api(**store, ApiSettings{});
  federation::http::Mount mount = make_mount(api, authenticator);
  CHECK(mount.prefix == "/sus/v1/");

  federation::http::Request request{boost::beast::http::verb::get, "/sus/v1/tariffs/2015-16/hrgs/DZ11N", 11};
  federation::http::Response anonymous = mount.handler(request, "peer=test");
  CHECK(anonymous.result_int() == 401);
  CHECK(anonymous[boost::beast::http::field::www_authenticate] == "Bearer realm=\"careid\"");
  CHECK(anonymous["X-Content-Type-Options"] == "nosniff");

  request.set(boost::beast::http::field::authorization, "Bearer " + fixture.access_token(kTwoRoles));
  request.set(kRoleHeader, "555000000005");
  CHECK(mount.handler(request, "peer=test").result_int() == 403);

  request.set(kRoleHeader, "555000000003");
  federation::http::Response no_tariff = mount.handler(request, "peer=test");
  CHECK(no_tariff.result_int() == 404);
  CHECK(no_tariff[boost::beast::http::field::content_type] == "application/json");

  request.target("/sus/v1/extracts?year=2015-16&year=2016-17");
  CHECK(mount.handler(request, "peer=test").result_int() == 400);

  store->reset();
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace careid::sus::api::http
