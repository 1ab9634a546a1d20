// The role page of OpenID logins: a person with several role profiles chooses one, and the
// chosen role is the session's role and the tokens' selected_roleid.
#include "provider_fixture.h"

namespace careid::federation::oidc {
namespace {

constexpr const char* kFirstRole = "555000000101";
constexpr const char* kSecondRole = "555000000202";

// The provider fixture with SSO sessions attached and a person with two role profiles.
struct RoleFixture : Fixture {
  sso::SessionStore sessions{sso::SessionSettings{.idle_timeout = std::chrono::minutes(15), .absolute_timeout = std::chrono::hours(1)},
                             [this] { return now; }};
  sso::PeerCertificate card = card_for(kUid);

  RoleFixture() {
    card.sha256_fingerprint = "card-fingerprint";
    provider->attach_sessions(sessions, nullptr);
    RoleProfile second = source.people[kUid].roles.front();
    second.id = kSecondRole;
    second.org_code = "RGT";
    second.org_name = "Cambridge University Hospitals";
    source.people[kUid].roles.push_back(second);
  }

  OidcReply authorize_rp(const std::string& cookie = "", const std::string& extra = "") {
    return provider->authorize(card,
                               "response_type=code&client_id=rp&scope=openid%20profile&state=s1"
                               "&redirect_uri=" + form_encode(kPortalRedirect) + extra,
                               cookie, "peer=test");
  }

  OidcReply post_role(const std::string& csrf_token, const std::string& role) {
    OidcRequest request;
    request.method = "POST";
    request.path = std::string(kRoleChoicePath);
    request.content_type = "application/x-www-form-urlencoded";
    request.body = "csrf_token=" + form_encode(csrf_token) + "&role=" + form_encode(role);
    return provider->handle(request, card, "peer=test");
  }
};

}  // namespace

TEST_CASE("several roles show the role page", "[oidc][role]") {
  RoleFixture f;
  OidcReply page = f.authorize_rp();
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.location.empty());
  CHECK(page.set_cookie.empty());
  CHECK(page.body.find("action=\"/oidc/role\"") != std::string::npos);
  CHECK(page.body.find(kFirstRole) != std::string::npos);
  CHECK(page.body.find(kSecondRole) != std::string::npos);
  CHECK(csrf_token_of(page).size() == 43);
  CHECK(f.sessions.session_count() == 0);
}

TEST_CASE("chosen role completes the authorization", "[oidc][role]") {
  RoleFixture f;
  OidcReply chosen = f.post_role(csrf_token_of(f.authorize_rp()), kSecondRole);
  Parameters redirect = f.redirect_parameters(chosen);
  CHECK(chosen.location.starts_with(std::string(kPortalRedirect) + "?"));
  CHECK(redirect.contains("code"));
  CHECK(redirect["state"] == "s1");
  CHECK(redirect["iss"] == kIssuer);
  REQUIRE_FALSE(chosen.set_cookie.empty());

  std::string cookie = cookie_value(chosen);
  std::optional<sso::SsoSession> session = f.sessions.use(cookie, f.card.sha256_fingerprint);
  REQUIRE(session.has_value());
  CHECK(session->role_profile_id == kSecondRole);

  Json tokens = f.redeem_code(chosen, "rp");
  Result<VerifiedJwt> id_token = verify_jwt(f.provider->keys(), tokens["id_token"].get<std::string>(),
                                            "JWT", f.provider->keys().algorithms());
  REQUIRE(id_token.ok());
  CHECK(id_token->claims["selected_roleid"] == kSecondRole);

  OidcRequest userinfo;
  userinfo.method = "GET";
  userinfo.authorization = "Bearer " + tokens["access_token"].get<std::string>();
  OidcReply info = f.provider->userinfo(userinfo);
  REQUIRE(info.status == 200);
  CHECK(body_json(info)["selected_roleid"] == kSecondRole);
}

TEST_CASE("session with a role skips the page", "[oidc][role]") {
  RoleFixture f;
  OidcReply chosen = f.post_role(csrf_token_of(f.authorize_rp()), kSecondRole);
  std::string cookie = cookie_value(chosen);

  OidcReply again = f.authorize_rp(cookie);
  REQUIRE(again.status == 302);
  CHECK(again.set_cookie.empty());
  Result<VerifiedJwt> id_token =
      verify_jwt(f.provider->keys(), f.redeem_code(again, "rp")["id_token"].get<std::string>(), "JWT",
                 f.provider->keys().algorithms());
  REQUIRE(id_token.ok());
  CHECK(id_token->claims["selected_roleid"] == kSecondRole);
}

TEST_CASE("role ended before the choice rejected", "[oidc][role]") {
  RoleFixture f;
  std::string token = csrf_token_of(f.authorize_rp());
  f.source.people[kUid].roles.pop_back();

  OidcReply chosen = f.post_role(token, kSecondRole);
  CHECK(chosen.status == 400);
  CHECK(chosen.location.empty());
  CHECK(f.sessions.session_count() == 0);
}

TEST_CASE("person removed before the choice rejected", "[oidc][role]") {
  RoleFixture f;
  std::string token = csrf_token_of(f.authorize_rp());
  f.source.people.erase(kUid);

  OidcReply chosen = f.post_role(token, kFirstRole);
  CHECK(chosen.status == 403);
  CHECK(chosen.location.empty());
  CHECK(f.sessions.session_count() == 0);
}

TEST_CASE("role form token rejections", "[oidc][role]") {
  RoleFixture f;
  CHECK(f.post_role("not-a-token", kFirstRole).status == 403);

  std::string token = csrf_token_of(f.authorize_rp());
  REQUIRE(f.post_role(token, kFirstRole).status == 302);
  CHECK(f.post_role(token, kFirstRole).status == 403);

  std::string other_card = csrf_token_of(f.authorize_rp());
  f.card.sha256_fingerprint = "other-card";
  CHECK(f.post_role(other_card, kFirstRole).status == 403);
  f.card.sha256_fingerprint = "card-fingerprint";

  std::string expired = csrf_token_of(f.authorize_rp());
  f.now += std::chrono::minutes(6);
  CHECK(f.post_role(expired, kFirstRole).status == 403);

  // A SAML login's token does not complete an OpenID login.
  Result<std::string> saml_token =
      f.sessions.add_pending(f.card.sha256_fingerprint, kUid, saml::AuthnRequest{});
  REQUIRE(saml_token.ok());
  CHECK(f.post_role(*saml_token, kFirstRole).status == 403);

  // An OpenID login's token does not complete a SAML login, and stays usable here.
  std::string oidc_token = csrf_token_of(f.authorize_rp());
  CHECK_FALSE(f.sessions.take_pending(oidc_token, f.card.sha256_fingerprint).has_value());
  CHECK(f.post_role(oidc_token, kFirstRole).status == 302);
}

TEST_CASE("role form bad fields rejected", "[oidc][role]") {
  RoleFixture f;
  std::string token = csrf_token_of(f.authorize_rp());
  CHECK(f.post_role(token, "555000000999").status == 400);
  // The token was spent by the rejected form.
  CHECK(f.post_role(token, kFirstRole).status == 403);
  CHECK(f.post_role("", kFirstRole).status == 400);

  OidcRequest get;
  get.method = "GET";
  get.path = std::string(kRoleChoicePath);
  CHECK(f.provider->handle(get, f.card, "peer=test").status == 405);
}

TEST_CASE("one role gets no role page", "[oidc][role]") {
  RoleFixture f;
  f.source.people[kUid].roles.pop_back();
  OidcReply reply = f.authorize_rp();
  REQUIRE(reply.status == 302);
  CHECK(f.redirect_parameters(reply).contains("code"));
  std::optional<sso::SsoSession> session =
      f.sessions.use(cookie_value(reply), f.card.sha256_fingerprint);
  REQUIRE(session.has_value());
  CHECK(session->role_profile_id == kFirstRole);
}

TEST_CASE("prompt none needs no role page", "[oidc][role]") {
  RoleFixture f;
  OidcReply reply = f.authorize_rp("", "&prompt=none");
  CHECK(f.redirect_parameters(reply)["error"] == "interaction_required");
}

}  // namespace careid::federation::oidc
