// OpenID Connect logout: RP-Initiated Logout request checks, Back-Channel Logout tokens, and
// the link between SSO sessions, refresh tokens and roles.
#include "provider_fixture.h"

namespace careid::federation::oidc {
namespace {

constexpr const char* kBackchannelEvent = "http://schemas.openid.net/event/backchannel-logout";

// Keeps every logout token the provider hands over.
class CapturingNotifier final : public LogoutNotifier {
 public:
  std::vector<BackchannelLogout> sent;
  void send(BackchannelLogout logout) override { sent.push_back(std::move(logout)); }
};

// The provider fixture with SSO sessions attached, sharing the fixture's clock.
struct SessionFixture : Fixture {
  sso::SessionStore sessions{sso::SessionSettings{.idle_timeout = std::chrono::minutes(15), .absolute_timeout = std::chrono::hours(1)},
                             [this] { return now; }};
  CapturingNotifier notifier;
  sso::PeerCertificate card = card_for(kUid);

  SessionFixture() {
    card.sha256_fingerprint = "card-fingerprint";
    provider->attach_sessions(sessions, &notifier);
  }

  // Runs the code flow for client "rp" in the session of `cookie` (a new one when empty)
  // and returns the token response. `cookie` then contains the session's cookie value.
  Json rp_tokens(std::string& cookie) {
    OidcReply authorized = provider->authorize(
        card,
        "response_type=code&client_id=rp&scope=openid%20offline_access&redirect_uri=" +
            form_encode(kPortalRedirect),
        cookie, "peer=test");
    if (!authorized.set_cookie.empty()) {
      std::string value = authorized.set_cookie.substr(authorized.set_cookie.find('=') + 1);
      cookie = value.substr(0, value.find(';'));
    }
    return redeem_code(authorized, "rp");
  }

  Json id_token_claims(const Json& tokens) {
    Result<VerifiedJwt> verified = verify_jwt(provider->keys(), tokens["id_token"].get<std::string>(),
                                              "JWT", provider->keys().algorithms());
    REQUIRE(verified.ok());
    return verified->claims;
  }

  Result<EndSessionRequest, OidcReply> end_session(const std::string& query) {
    OidcRequest request;
    request.method = "GET";
    request.path = "/oidc/logout";
    request.query = query;
    return provider->check_end_session(request, "peer=test");
  }
};

const Client& client_named(const Provider& provider, std::string_view id) {
  const Client* client = provider.clients().find(id);
  REQUIRE(client != nullptr);
  return *client;
}

}  // namespace

TEST_CASE("logout token claims and signature", "[oidc][logout]") {
  Fixture f;
  Result<std::string> token =
      f.provider->logout_token(client_named(*f.provider, "rp"), kUid, "_session-index");
  REQUIRE(token.ok());

  Result<VerifiedJwt> verified =
      verify_jwt(f.provider->keys(), *token, "logout+jwt", f.provider->keys().algorithms());
  REQUIRE(verified.ok());
  const Json& claims = verified->claims;
  CHECK(claims["iss"] == kIssuer);
  CHECK(claims["aud"] == "rp");
  CHECK(claims["sid"] == "_session-index");
  CHECK(claims["exp"].get<std::int64_t>() > claims["iat"].get<std::int64_t>());
  CHECK(claims["jti"].get<std::string>().size() >= 16);
  CHECK(claims["events"].contains(kBackchannelEvent));
  CHECK_FALSE(claims.contains("nonce"));

  // The sub is the pairwise subject that the client's ID tokens carry.
  Json tokens = f.code_tokens("rp", "openid");
  Result<VerifiedJwt> id_token = verify_jwt(f.provider->keys(), tokens["id_token"].get<std::string>(),
                                            "JWT", f.provider->keys().algorithms());
  REQUIRE(id_token.ok());
  CHECK(claims["sub"] == id_token->claims["sub"]);

  // The typ header keeps a logout token from passing as an ID token.
  CHECK_FALSE(verify_jwt(f.provider->keys(), *token, "JWT", f.provider->keys().algorithms()).ok());
}

TEST_CASE("end session hint verification", "[oidc][logout]") {
  SessionFixture f;
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);
  std::string hint = tokens["id_token"];
  std::string sid = f.id_token_claims(tokens)["sid"];

  auto checked = f.end_session("id_token_hint=" + hint);
  REQUIRE(checked.ok());
  CHECK(checked->client_id == "rp");
  CHECK(checked->sid == sid);
  CHECK(checked->post_logout_redirect.empty());

  // RP-Initiated Logout 1.0 2: an expired hint is still accepted.
  f.now += std::chrono::hours(2);
  CHECK(f.end_session("id_token_hint=" + hint + "&client_id=rp").ok());

  CHECK(f.end_session("id_token_hint=" + hint + "&client_id=portal").error().status == 400);
  CHECK(f.end_session("id_token_hint=" + tokens["access_token"].get<std::string>()).error().status ==
        400);
  std::string tampered = hint;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(f.end_session("id_token_hint=" + tampered).ok());

  Result<std::string> foreign_issuer =
      sign_jwt(f.provider->keys().signing_key(), "JWT",
               Json{{"iss", "https://other.example"}, {"aud", "rp"}, {"sub", "x"}});
  REQUIRE(foreign_issuer.ok());
  CHECK_FALSE(f.end_session("id_token_hint=" + *foreign_issuer).ok());

  Result<pki::PrivateKey> other_key = pki::PrivateKey::generate();
  REQUIRE(other_key.ok());
  std::vector<pki::PrivateKey> other_keys;
  other_keys.push_back(std::move(*other_key));
  Result<KeySet> other_set = KeySet::create(std::move(other_keys));
  REQUIRE(other_set.ok());
  Result<std::string> foreign_key = sign_jwt(other_set->signing_key(), "JWT",
                                             Json{{"iss", kIssuer}, {"aud", "rp"}, {"sub", "x"}});
  REQUIRE(foreign_key.ok());
  CHECK_FALSE(f.end_session("id_token_hint=" + *foreign_key).ok());
}

TEST_CASE("post logout redirect exact match", "[oidc][logout]") {
  SessionFixture f;
  auto checked = f.end_session("client_id=rp&state=xyz&post_logout_redirect_uri=" +
                               form_encode(kPortalLoggedOut));
  REQUIRE(checked.ok());
  CHECK(checked->post_logout_redirect == std::string(kPortalLoggedOut) + "?state=xyz");

  std::string base = kPortalLoggedOut;
  for (const std::string& near_miss :
       {base + "/", base + "?a=1", base + "#x", std::string("https://PORTAL.example/signed-out"),
        std::string("http://portal.example/signed-out"), std::string(kPortalRedirect)}) {
    INFO(near_miss);
    auto rejected =
        f.end_session("client_id=rp&post_logout_redirect_uri=" + form_encode(near_miss));
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.error().status == 400);
  }

  // A URI needs a client that registered it.
  CHECK_FALSE(f.end_session("post_logout_redirect_uri=" + form_encode(kPortalLoggedOut)).ok());
  CHECK_FALSE(
      f.end_session("client_id=portal&post_logout_redirect_uri=" + form_encode(kPortalLoggedOut))
          .ok());
  CHECK_FALSE(
      f.end_session("client_id=nobody&post_logout_redirect_uri=" + form_encode(kPortalLoggedOut))
          .ok());

  // The client may also come from the hint alone.
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);
  auto hinted = f.end_session("id_token_hint=" + tokens["id_token"].get<std::string>() +
                              "&post_logout_redirect_uri=" + form_encode(kPortalLoggedOut));
  REQUIRE(hinted.ok());
  CHECK(hinted->post_logout_redirect == kPortalLoggedOut);
}

TEST_CASE("end session over POST needs a form", "[oidc][logout]") {
  SessionFixture f;
  OidcRequest request;
  request.method = "POST";
  request.path = "/oidc/logout";
  request.content_type = "application/json";
  request.body = "client_id=rp";
  CHECK_FALSE(f.provider->check_end_session(request, "peer=test").ok());
  request.content_type = "application/x-www-form-urlencoded";
  auto checked = f.provider->check_end_session(request, "peer=test");
  REQUIRE(checked.ok());
  CHECK(checked->client_id == "rp");
}

TEST_CASE("authorize joins the sso session", "[oidc][logout]") {
  SessionFixture f;
  std::string cookie;
  Json first = f.rp_tokens(cookie);
  REQUIRE_FALSE(cookie.empty());
  REQUIRE(f.sessions.session_count() == 1);
  std::string sid = f.id_token_claims(first)["sid"];
  CHECK(f.id_token_claims(first)["selected_roleid"] == "555000000101");

  std::string same = cookie;
  Json second = f.rp_tokens(same);
  CHECK(same == cookie);
  CHECK(f.sessions.session_count() == 1);
  CHECK(f.id_token_claims(second)["sid"] == sid);

  // Another card cannot join the session with a copied cookie.
  f.card.sha256_fingerprint = "other-card";
  std::string copied = cookie;
  Json third = f.rp_tokens(copied);
  CHECK(copied != cookie);
  CHECK(f.id_token_claims(third)["sid"] != sid);
}

TEST_CASE("refresh after absolute timeout refused", "[oidc][logout][refresh]") {
  SessionFixture f;
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);

  // Keep the session in use so that only the absolute timeout (1 hour) ends it.
  for (int step = 0; step < 4; ++step) {
    f.now += std::chrono::minutes(14);
    REQUIRE(f.sessions.use(cookie, f.card.sha256_fingerprint).has_value());
  }
  OidcReply refreshed = f.refresh("rp", tokens["refresh_token"]);
  REQUIRE(refreshed.status == 200);

  f.now += std::chrono::minutes(5);
  OidcReply late = f.refresh("rp", body_json(refreshed)["refresh_token"]);
  CHECK(late.status == 400);
  CHECK(body_json(late)["error"] == "invalid_grant");
}

TEST_CASE("refresh keeps the session role", "[oidc][logout][refresh]") {
  SessionFixture f;
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);
  CHECK(f.id_token_claims(tokens)["selected_roleid"] == "555000000101");

  OidcReply refreshed = f.refresh("rp", tokens["refresh_token"]);
  REQUIRE(refreshed.status == 200);
  Json second = body_json(refreshed);
  CHECK(f.id_token_claims(second)["selected_roleid"] == "555000000101");
  CHECK(f.id_token_claims(second)["sid"] == f.id_token_claims(tokens)["sid"]);

  // A refresh cannot move to another role: once the session's role has ended, it fails.
  RoleProfile other = f.source.people[kUid].roles.front();
  other.id = "555000000202";
  f.source.people[kUid].roles = {other};
  OidcReply ended = f.refresh("rp", second["refresh_token"]);
  CHECK(ended.status == 400);
  CHECK(body_json(ended)["error"] == "invalid_grant");
}

TEST_CASE("session logout notifies and revokes", "[oidc][logout]") {
  SessionFixture f;
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);
  std::string sid = f.id_token_claims(tokens)["sid"];
  REQUIRE(f.sessions.find(cookie)->oidc_clients == std::vector<std::string>{"rp"});

  REQUIRE(f.sessions.end(cookie).has_value());
  REQUIRE(f.notifier.sent.size() == 1);
  const BackchannelLogout& logout = f.notifier.sent.front();
  CHECK(logout.client_id == "rp");
  CHECK(logout.uri == "https://portal.example/backchannel");
  Result<VerifiedJwt> verified = verify_jwt(f.provider->keys(), logout.logout_token, "logout+jwt",
                                            f.provider->keys().algorithms());
  REQUIRE(verified.ok());
  CHECK(verified->claims["sid"] == sid);
  CHECK(verified->claims["sub"] == f.id_token_claims(tokens)["sub"]);

  OidcReply refreshed = f.refresh("rp", tokens["refresh_token"]);
  CHECK(body_json(refreshed)["error"] == "invalid_grant");
  CHECK_FALSE(f.is_active(tokens["access_token"], "rp"));
}

TEST_CASE("idle session end revokes quietly", "[oidc][logout]") {
  SessionFixture f;
  std::string cookie;
  Json tokens = f.rp_tokens(cookie);

  f.now += std::chrono::minutes(16);
  f.sessions.sweep_expired();
  CHECK(f.sessions.session_count() == 0);
  CHECK(f.notifier.sent.empty());
  CHECK(body_json(f.refresh("rp", tokens["refresh_token"]))["error"] == "invalid_grant");
}

TEST_CASE("absolute session end notifies clients", "[oidc][logout]") {
  SessionFixture f;
  std::string cookie;
  f.rp_tokens(cookie);
  for (int step = 0; step < 4; ++step) {
    f.now += std::chrono::minutes(14);
    REQUIRE(f.sessions.use(cookie, f.card.sha256_fingerprint).has_value());
  }
  f.now += std::chrono::minutes(5);
  f.sessions.sweep_expired();
  CHECK(f.notifier.sent.size() == 1);
}

TEST_CASE("code of an ended session refused", "[oidc][logout]") {
  SessionFixture f;
  OidcReply authorized = f.provider->authorize(
      f.card,
      "response_type=code&client_id=rp&scope=openid&redirect_uri=" + form_encode(kPortalRedirect),
      "", "peer=test");
  std::string cookie = authorized.set_cookie.substr(authorized.set_cookie.find('=') + 1);
  cookie = cookie.substr(0, cookie.find(';'));
  REQUIRE(f.sessions.end(cookie).has_value());

  OidcReply reply = f.token("grant_type=authorization_code&code=" +
                                f.redirect_parameters(authorized)["code"] +
                                "&redirect_uri=" + form_encode(kPortalRedirect),
                            basic("rp", "portal-secret"));
  CHECK(reply.status == 400);
  CHECK(body_json(reply)["error"] == "invalid_grant");
}

TEST_CASE("client logout members parsed", "[oidc][logout][clients]") {
  const std::string base =
      R"({"client_id": "rp", "client_secret_sha256": ")" + std::string(64, 'a') +
      R"(", "redirect_uris": ["https://rp.example/cb"], "scopes": ["openid"])";
  Result<Client> client = parse_client_json(
      base + R"(, "post_logout_redirect_uris": ["https://rp.example/bye"],
               "backchannel_logout_uri": "https://rp.example/bcl",
               "backchannel_logout_session_required": true})",
      "rp.json");
  REQUIRE(client.ok());
  CHECK(client->allows_post_logout_redirect_uri("https://rp.example/bye"));
  CHECK_FALSE(client->allows_post_logout_redirect_uri("https://rp.example/bye/"));
  CHECK(client->backchannel_logout_uri == "https://rp.example/bcl");
  CHECK(client->backchannel_logout_session_required);

  for (const char* bad : {R"(, "post_logout_redirect_uris": ["http://rp.example/bye"]})",
                          R"(, "post_logout_redirect_uris": "https://rp.example/bye"})",
                          R"(, "backchannel_logout_uri": "https://rp.example/bcl#x"})",
                          R"(, "backchannel_logout_uri": ["https://rp.example/bcl"]})",
                          R"(, "backchannel_logout_session_required": "yes"})"}) {
    INFO(bad);
    CHECK_FALSE(parse_client_json(base + bad, "rp.json").ok());
  }

  Result<Client> toml = parse_client_toml(
      "client_id = \"rp\"\nclient_secret_sha256 = \"" + std::string(64, 'a') +
          "\"\nredirect_uris = [\"https://rp.example/cb\"]\nscopes = [\"openid\"]\n"
          "backchannel_logout_uri = \"https://rp.example/bcl\"\n"
          "backchannel_logout_session_required = true\n",
      "rp.toml");
  REQUIRE(toml.ok());
  CHECK(toml->backchannel_logout_session_required);
}

TEST_CASE("discovery lists the logout endpoints", "[oidc][logout]") {
  Fixture f;
  Json document = body_json(f.provider->discovery());
  CHECK(document["end_session_endpoint"] == std::string(kIssuer) + "/oidc/logout");
  CHECK(document["backchannel_logout_supported"] == true);
  CHECK(document["backchannel_logout_session_supported"] == true);
}

}  // namespace careid::federation::oidc
