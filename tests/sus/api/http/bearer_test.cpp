#include "sus/api/http/bearer.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>

#include "pki/digest.h"
#include "pki/encoding.h"
#include "sus/api/http/mount.h"

namespace careid::sus::api::http {
namespace {

namespace oidc = federation::oidc;
using Clock = std::chrono::system_clock;
using federation::Person;
using federation::RoleProfile;

constexpr const char* kIssuer = "https://idp.example";
constexpr const char* kRedirect = "https://portal.example/cb";
constexpr const char* kTwoRoles = "555000000001";
constexpr const char* kOneRole = "555000000011";

class People : public federation::IdentitySource {
 public:
  std::map<std::string, Person, std::less<>> people;
  bool fail = false;

  Result<std::optional<Person>> find_person(std::string_view uid) override {
    if (fail) {
      return Status::io_error("store closed");
    }
    auto found = people.find(uid);
    return found == people.end() ? std::optional<Person>() : std::optional<Person>(found->second);
  }
};

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

std::string basic(std::string_view id, std::string_view secret) {
  return "Basic " + pki::base64_encode(pki::as_bytes(std::string(id) + ":" + std::string(secret)));
}

// An OpenID provider with a confidential client "portal" and a service client, and its
// people: one with a provider role and a role without SUS activities, one with one role.
struct Fixture {
  People people;
  Clock::time_point now = Clock::now();
  std::unique_ptr<oidc::Provider> provider;

  explicit Fixture(std::string issuer = kIssuer) {
    Person two;
    two.uid = kTwoRoles;
    two.roles = {role("555000000003", "R0A", {"B9600", "B9601"}), role("555000000005", "A81001", {"B0825"})};
    people.people.emplace(kTwoRoles, two);
    Person one;
    one.uid = kOneRole;
    one.roles = {role("555000000013", "RGR", {"B9600"})};
    people.people.emplace(kOneRole, one);

    oidc::ClientRegistry clients;
    oidc::Client portal;
    portal.client_id = "portal";
    portal.secret_sha256 = pki::to_string(*pki::sha256(pki::as_bytes("portal-secret")));
    portal.redirect_uris = {kRedirect};
    portal.scopes = {"openid", "profile"};
    REQUIRE(clients.add(portal).ok());
    oidc::Client service = portal;
    service.client_id = "service";
    service.redirect_uris.clear();
    service.scopes = {"sus.read"};
    service.grant_types = {oidc::kGrantClientCredentials};
    REQUIRE(clients.add(service).ok());

    std::vector<pki::PrivateKey> keys;
    Result<pki::PrivateKey> key = pki::PrivateKey::generate();
    REQUIRE(key.ok());
    keys.push_back(std::move(*key));
    Result<oidc::KeySet> key_set = oidc::KeySet::create(std::move(keys));
    REQUIRE(key_set.ok());
    oidc::ProviderSettings settings;
    settings.issuer = std::move(issuer);
    provider = std::make_unique<oidc::Provider>(settings, std::move(*key_set), std::move(clients), people,
                                                federation::sso::PersistentIdGenerator(std::string(32, 'k')),
                                                [this] { return now; });
  }

  oidc::OidcReply token_request(const std::string& body, const std::string& client) {
    oidc::OidcRequest request;
    request.method = "POST";
    request.path = "/oidc/token";
    request.content_type = "application/x-www-form-urlencoded";
    request.body = body;
    request.authorization = basic(client, "portal-secret");
    return provider->token(request, "peer=test");
  }

  // Runs the code flow for `uid` and returns the token response.
  oidc::Json user_tokens(const std::string& uid, const std::string& scope = "openid profile") {
    federation::sso::PeerCertificate card;
    card.present = true;
    card.verified = true;
    card.subject = "CN=" + uid + ",OU=people,O=nhs";
    card.common_names = {uid};
    oidc::OidcReply redirect = provider->authorize(
        card, "response_type=code&client_id=portal&scope=" + oidc::form_encode(scope) +
                  "&redirect_uri=" + oidc::form_encode(kRedirect),
        "peer=test");
    REQUIRE(redirect.status == 302);
    auto parameters = oidc::parse_form(redirect.location.substr(redirect.location.find('?') + 1));
    REQUIRE(parameters.ok());
    oidc::OidcReply reply = token_request("grant_type=authorization_code&code=" + (*parameters)["code"] +
                                              "&redirect_uri=" + oidc::form_encode(kRedirect),
                                          "portal");
    REQUIRE(reply.status == 200);
    return oidc::Json::parse(reply.body);
  }

  std::string access_token(const std::string& uid) {
    return user_tokens(uid)["access_token"].get<std::string>();
  }
};

TEST_CASE("bearer token with one role", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
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
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
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
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
  for (const char* header : {"", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer"}) {
    auto result = authenticator.authenticate(header, "");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().status == 401);
    CHECK(result.error().www_authenticate == "Bearer realm=\"careid\"");
  }
}

TEST_CASE("bearer invalid tokens are 401 invalid_token", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
  std::string token = fixture.access_token(kOneRole);

  Fixture other_keys;  // same issuer, another signing key
  std::string foreign = other_keys.access_token(kOneRole);
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  std::string id_token = fixture.user_tokens(kOneRole)["id_token"].get<std::string>();
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
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
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
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
  std::string token = fixture.access_token(kOneRole);
  oidc::OidcRequest revoke;
  revoke.method = "POST";
  revoke.path = "/oidc/revoke";
  revoke.content_type = "application/x-www-form-urlencoded";
  revoke.body = "token=" + oidc::form_encode(token);
  revoke.authorization = basic("portal", "portal-secret");
  REQUIRE(fixture.provider->revoke(revoke, "peer=test").status == 200);

  auto result = authenticator.authenticate("Bearer " + token, "");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().status == 401);
}

TEST_CASE("bearer token without a user is 403", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
  oidc::OidcReply service = fixture.token_request("grant_type=client_credentials", "service");
  REQUIRE(service.status == 200);
  std::string client_token = oidc::Json::parse(service.body)["access_token"].get<std::string>();
  auto result = authenticator.authenticate("Bearer " + client_token, "");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().status == 403);
  CHECK(result.error().www_authenticate.find("insufficient_scope") != std::string::npos);

  std::string openid_only = fixture.user_tokens(kOneRole, "openid")["access_token"].get<std::string>();
  auto no_uid = authenticator.authenticate("Bearer " + openid_only, "");
  REQUIRE_FALSE(no_uid.ok());
  CHECK(no_uid.error().status == 403);
}

TEST_CASE("bearer person gone or directory down", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
  std::string token = "Bearer " + fixture.access_token(kOneRole);
  fixture.people.fail = true;
  auto down = authenticator.authenticate(token, "");
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().status == 503);

  fixture.people.fail = false;
  fixture.people.people.erase(kOneRole);
  auto gone = authenticator.authenticate(token, "");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().status == 401);
}

TEST_CASE("mount sets status and headers", "[sus][api][http]") {
  Fixture fixture;
  BearerAuthenticator authenticator(*fixture.provider, fixture.people);
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
