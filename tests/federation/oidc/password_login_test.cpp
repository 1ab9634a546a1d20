// The password + TOTP login of OpenID logins: the login page at /oidc/authorize without a
// card, its form at /oidc/login, the AAL2 claims of its tokens, and the requests that only a
// card login satisfies.
#include "provider_fixture.h"

#include "federation/oidc/claims.h"
#include "federation/sso/totp.h"

namespace careid::federation::oidc {
namespace {

const std::string kSecret = "12345678901234567890";
const std::string kPassword = "correct horse";
constexpr const char* kSecondRole = "555000000202";

// The fixture's people, of whom kUid may sign in with kPassword and a TOTP code of kSecret.
class PasswordSource : public PeopleSource {
 public:
  int failures_recorded = 0;

  Result<std::optional<PasswordLoginAccount>> find_password_login(std::string_view uid) override {
    if (uid != kUid) {
      return std::optional<PasswordLoginAccount>();
    }
    return std::optional<PasswordLoginAccount>(
        PasswordLoginAccount{"uid=555000000001,ou=People,o=nhs", true, kSecret});
  }

  Result<bool> check_password(std::string_view, std::string_view password) override {
    return password == kPassword;
  }

  void record_login_failure(std::string_view) override { ++failures_recorded; }
};

// A provider with SSO sessions and the password login attached, as careidd runs it.
struct PasswordFixture {
  Clock::time_point now{std::chrono::seconds(1'800'000'000)};
  CapturingSink audit_sink;
  PasswordSource source;
  Fixture base;
  std::unique_ptr<Provider> provider;
  sso::SessionStore sessions{sso::SessionSettings{.idle_timeout = std::chrono::minutes(15), .absolute_timeout = std::chrono::hours(1)},
                             [this] { return now; }};
  std::unique_ptr<sso::PasswordAuthenticator> password_login;

  explicit PasswordFixture(std::vector<std::string> card_only = {}) {
    source.people = base.source.people;
    Result<pki::PrivateKey> key = pki::PrivateKey::generate();
    REQUIRE(key.ok());
    std::vector<pki::PrivateKey> keys;
    keys.push_back(std::move(*key));
    Result<KeySet> key_set = KeySet::create(std::move(keys));
    REQUIRE(key_set.ok());
    ProviderSettings settings;
    settings.issuer = kIssuer;
    provider = std::make_unique<Provider>(settings, std::move(*key_set), base.provider->clients(),
                                          source, sso::PersistentIdGenerator(std::string(32, 'k')),
                                          [this] { return now; }, audit_sink);
    password_login = std::make_unique<sso::PasswordAuthenticator>(
        sso::PasswordLoginSettings{true, 1, std::move(card_only)}, source, [this] { return now; },
        audit_sink);
    provider->attach_sessions(sessions, nullptr, password_login.get());
  }

  OidcReply authorize(const std::string& extra = "", const std::string& cookie = "",
                      const sso::PeerCertificate& card = sso::PeerCertificate{}) {
    return provider->authorize(card,
                               "response_type=code&client_id=portal&scope=openid%20profile"
                               "&state=s1&nonce=n1&redirect_uri=" + form_encode(kPortalRedirect) + extra,
                               cookie, "peer=test");
  }

  OidcReply post(std::string_view path, const std::string& body) {
    OidcRequest request;
    request.method = "POST";
    request.path = std::string(path);
    request.content_type = "application/x-www-form-urlencoded";
    request.body = body;
    return provider->handle(request, sso::PeerCertificate{}, "peer=test");
  }

  std::string code(int step_offset = 0) const {
    return *sso::totp_code(pki::as_bytes(kSecret), sso::totp_step(now) + step_offset);
  }

  OidcReply sign_in(const std::string& csrf_token, const std::string& password,
                    const std::string& totp) {
    return post(kLoginPath, "csrf_token=" + form_encode(csrf_token) + "&uid=" + kUid +
                                "&password=" + form_encode(password) + "&code=" + totp);
  }

  // Sends `body` to the token endpoint as the confidential client `client_id`.
  OidcReply token(const std::string& client_id, const std::string& body) {
    OidcRequest request;
    request.method = "POST";
    request.path = "/oidc/token";
    request.content_type = "application/x-www-form-urlencoded";
    request.authorization = basic(client_id, "portal-secret");
    request.body = body;
    return provider->token(request, "peer=test");
  }

  // Redeems the code of `authorized` for `client_id` and returns the tokens.
  Json redeem(const OidcReply& authorized, const std::string& client_id = "portal") {
    OidcReply reply = token(client_id, "grant_type=authorization_code&code=" +
                                           base.redirect_parameters(authorized)["code"] +
                                           "&redirect_uri=" + form_encode(kPortalRedirect));
    REQUIRE(reply.status == 200);
    return body_json(reply);
  }

  Json verified_claims(const Json& tokens, const char* name, const char* type) {
    Result<VerifiedJwt> jwt = verify_jwt(provider->keys(), tokens[name].get<std::string>(), type,
                                         provider->keys().algorithms());
    REQUIRE(jwt.ok());
    return jwt->claims;
  }

  Json userinfo(const Json& tokens) {
    OidcRequest request;
    request.method = "GET";
    request.authorization = "Bearer " + tokens["access_token"].get<std::string>();
    OidcReply reply = provider->userinfo(request);
    REQUIRE(reply.status == 200);
    return body_json(reply);
  }
};

sso::PeerCertificate fingerprinted_card() {
  sso::PeerCertificate card = card_for(kUid);
  card.sha256_fingerprint = "card-fingerprint";
  return card;
}

void check_password_claims(const Json& claims) {
  CHECK(claims["acr"] == "AAL2");
  CHECK(claims["amr"] == Json({"pwd", "otp", "mfa"}));
  CHECK(claims["authentication_assurance_level"] == "2");
}

}  // namespace

TEST_CASE("no card shows the login page", "[oidc][password]") {
  PasswordFixture f;
  OidcReply page = f.authorize();
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.location.empty());
  CHECK(page.set_cookie.empty());
  CHECK(page.body.find("action=\"/oidc/login\"") != std::string::npos);
  CHECK(page.body.find("name=\"password\" type=\"password\"") != std::string::npos);
  CHECK(csrf_token_of(page).size() == 43);
  CHECK(f.sessions.session_count() == 0);
}

TEST_CASE("password login issues AAL2 tokens", "[oidc][password]") {
  PasswordFixture f;
  OidcReply signed_in = f.sign_in(csrf_token_of(f.authorize()), kPassword, f.code());
  Parameters redirect = f.base.redirect_parameters(signed_in);
  CHECK(signed_in.location.starts_with(std::string(kPortalRedirect) + "?"));
  CHECK(redirect.contains("code"));
  CHECK(redirect["state"] == "s1");
  CHECK(redirect["iss"] == kIssuer);
  REQUIRE_FALSE(signed_in.set_cookie.empty());

  std::optional<sso::SsoSession> session =
      f.sessions.find(cookie_value(signed_in));
  REQUIRE(session.has_value());
  CHECK(session->card_fingerprint == sso::kPasswordSessionBinding);
  CHECK(session->uid == kUid);

  Json tokens = f.redeem(signed_in);
  Json id_claims = f.verified_claims(tokens, "id_token", "JWT");
  check_password_claims(id_claims);
  CHECK(id_claims["nonce"] == "n1");
  CHECK(id_claims["sid"] == session->session_index);
  check_password_claims(f.verified_claims(tokens, "access_token", "at+jwt"));
  Json info = f.userinfo(tokens);
  check_password_claims(info);
  CHECK(info["uid"] == kUid);

  bool audited = std::any_of(f.audit_sink.events.begin(), f.audit_sink.events.end(), [](const audit::Event& e) {
    return e.type == "sso.login" && e.outcome == audit::kSuccess &&
           e.details.value("method", "") == "password_totp" &&
           e.details.value("client_id", "") == "portal";
  });
  CHECK(audited);
}

TEST_CASE("card login keeps AAL3 claims", "[oidc][password]") {
  PasswordFixture f;
  OidcReply authorized = f.authorize("&acr_values=AAL3", "", fingerprinted_card());
  Json tokens = f.redeem(authorized);
  for (const Json& claims : {f.verified_claims(tokens, "id_token", "JWT"),
                             f.verified_claims(tokens, "access_token", "at+jwt"), f.userinfo(tokens)}) {
    CHECK(claims["acr"] == "AAL3");
    CHECK(claims["amr"] == Json({"sc"}));
    CHECK(claims["authentication_assurance_level"] == "3");
  }
}

TEST_CASE("acr_values AAL3 rejected without card", "[oidc][password]") {
  PasswordFixture f;
  Parameters rejected = f.base.redirect_parameters(f.authorize("&acr_values=AAL3"));
  CHECK(rejected["error"] == "access_denied");
  CHECK(rejected["error_description"].find("smartcard") != std::string::npos);
  CHECK(rejected["state"] == "s1");
  CHECK(rejected["iss"] == kIssuer);

  Parameters passive = f.base.redirect_parameters(f.authorize("&acr_values=AAL3&prompt=none"));
  CHECK(passive["error"] == "login_required");

  // Any one listed value satisfies the request, and values careid does not assert are ignored.
  CHECK(f.authorize("&acr_values=AAL2%20AAL3").status == 200);
  CHECK(f.authorize("&acr_values=urn%3Aother%3Aloa").status == 200);
  CHECK(f.base.redirect_parameters(f.authorize("&acr_values=urn%3Aother%3Aloa%20AAL3"))["error"] ==
        "access_denied");
}

TEST_CASE("card-only client rejected without card", "[oidc][password]") {
  PasswordFixture f({"portal"});
  Parameters rejected = f.base.redirect_parameters(f.authorize());
  CHECK(rejected["error"] == "access_denied");
  CHECK(rejected["error_description"].find("this client requires a smartcard") != std::string::npos);
  CHECK(f.sessions.session_count() == 0);

  // The card still signs in to that client.
  CHECK(f.base.redirect_parameters(f.authorize("", "", fingerprinted_card())).contains("code"));
}

TEST_CASE("password session reuse and its limits", "[oidc][password]") {
  PasswordFixture f;
  OidcReply signed_in = f.sign_in(csrf_token_of(f.authorize()), kPassword, f.code());
  std::string cookie = cookie_value(signed_in);

  // Another request of the browser joins the session without a new login, also with
  // prompt=none.
  OidcReply again = f.authorize("&prompt=none", cookie);
  REQUIRE(again.status == 302);
  CHECK(f.base.redirect_parameters(again).contains("code"));
  CHECK(again.set_cookie.empty());
  check_password_claims(f.verified_claims(f.redeem(again), "id_token", "JWT"));

  // A request that needs AAL3 never gets a code from the password session.
  CHECK(f.base.redirect_parameters(f.authorize("&acr_values=AAL3", cookie))["error"] ==
        "access_denied");
  CHECK(f.base.redirect_parameters(f.authorize("&acr_values=AAL3&prompt=none", cookie))["error"] ==
        "login_required");

  // A card connection starts its own session and asserts AAL3.
  OidcReply card_login = f.authorize("", cookie, fingerprinted_card());
  REQUIRE(card_login.status == 302);
  CHECK_FALSE(card_login.set_cookie.empty());
  CHECK(f.verified_claims(f.redeem(card_login), "id_token", "JWT")["acr"] == "AAL3");

  // A card session's cookie does not sign in a browser without the card.
  OidcReply login_page = f.authorize("", cookie_value(card_login));
  CHECK(login_page.status == 200);
  CHECK(login_page.body.find("action=\"/oidc/login\"") != std::string::npos);
}

TEST_CASE("refresh keeps AAL2 claims", "[oidc][password]") {
  PasswordFixture f;
  OidcReply page = f.provider->authorize(
      sso::PeerCertificate{},
      "response_type=code&client_id=offline&scope=openid%20offline_access&redirect_uri=" +
          form_encode(kPortalRedirect),
      "", "peer=test");
  OidcReply signed_in = f.sign_in(csrf_token_of(page), kPassword, f.code());
  std::string refresh_token = f.redeem(signed_in, "offline")["refresh_token"];

  OidcReply refreshed =
      f.token("offline", "grant_type=refresh_token&refresh_token=" + form_encode(refresh_token));
  REQUIRE(refreshed.status == 200);
  Json tokens = body_json(refreshed);
  check_password_claims(f.verified_claims(tokens, "id_token", "JWT"));
  check_password_claims(f.verified_claims(tokens, "access_token", "at+jwt"));
}

TEST_CASE("prompt none without session needs login", "[oidc][password]") {
  PasswordFixture f;
  CHECK(f.base.redirect_parameters(f.authorize("&prompt=none"))["error"] == "login_required");
}

TEST_CASE("password login form rejections", "[oidc][password]") {
  PasswordFixture f;
  std::string token = csrf_token_of(f.authorize());

  // A wrong password gets the page again with a new token, and counts toward the lockout
  // through the directory's own check.
  OidcReply wrong = f.sign_in(token, "wrong", f.code());
  CHECK(wrong.status == 200);
  CHECK(wrong.body.find("The user ID, password or code is wrong") != std::string::npos);
  std::string retry = csrf_token_of(wrong);
  CHECK(retry != token);
  CHECK(f.sign_in(token, kPassword, f.code()).status == 403);

  // A wrong code is recorded as a failure for the account.
  OidcReply wrong_code = f.sign_in(retry, kPassword, f.code(5));
  CHECK(wrong_code.status == 200);
  CHECK(f.source.failures_recorded == 1);

  // A code is accepted once, so a second login in the same step is rejected.
  REQUIRE(f.sign_in(csrf_token_of(wrong_code), kPassword, f.code()).status == 302);
  OidcReply replayed = f.sign_in(csrf_token_of(f.authorize()), kPassword, f.code());
  CHECK(replayed.status == 200);
  CHECK(f.source.failures_recorded == 2);

  bool audited = std::any_of(f.audit_sink.events.begin(), f.audit_sink.events.end(), [](const audit::Event& e) {
    return e.type == "sso.login" && e.outcome == audit::kFailure &&
           e.details.value("reason", "") == "replayed_code" &&
           e.details.value("method", "") == "password_totp";
  });
  CHECK(audited);

  CHECK(f.sign_in("not-a-token", kPassword, f.code()).status == 403);
  CHECK(f.sign_in("", kPassword, f.code()).status == 403);

  // A SAML login page's token does not complete an OpenID login.
  Result<std::string> saml_token =
      f.sessions.add_pending(std::string(sso::kLoginFormBinding), "", saml::AuthnRequest{});
  REQUIRE(saml_token.ok());
  CHECK(f.sign_in(*saml_token, kPassword, f.code()).status == 403);

  // An expired page is rejected.
  std::string expired = csrf_token_of(f.authorize());
  f.now += std::chrono::minutes(6);
  CHECK(f.sign_in(expired, kPassword, f.code()).status == 403);

  OidcRequest get;
  get.method = "GET";
  get.path = std::string(kLoginPath);
  CHECK(f.provider->handle(get, sso::PeerCertificate{}, "peer=test").status == 405);
}

TEST_CASE("password login shows role page", "[oidc][password]") {
  PasswordFixture f;
  RoleProfile second = f.source.people[kUid].roles.front();
  second.id = kSecondRole;
  f.source.people[kUid].roles.push_back(second);

  OidcReply role_page = f.sign_in(csrf_token_of(f.authorize()), kPassword, f.code());
  REQUIRE(role_page.status == 200);
  CHECK(role_page.body.find("action=\"/oidc/role\"") != std::string::npos);

  OidcReply chosen = f.post(kRoleChoicePath, "csrf_token=" + form_encode(csrf_token_of(role_page)) +
                                                 "&role=" + kSecondRole);
  REQUIRE(chosen.status == 302);
  std::optional<sso::SsoSession> session = f.sessions.find(cookie_value(chosen));
  REQUIRE(session.has_value());
  CHECK(session->role_profile_id == kSecondRole);
  CHECK(session->card_fingerprint == sso::kPasswordSessionBinding);
  Json id_claims = f.verified_claims(f.redeem(chosen), "id_token", "JWT");
  CHECK(id_claims["selected_roleid"] == kSecondRole);
  check_password_claims(id_claims);

  // A card's role form token does not work without the card.
  OidcReply card_page = f.authorize("", "", fingerprinted_card());
  REQUIRE(card_page.status == 200);
  CHECK(f.post(kRoleChoicePath, "csrf_token=" + form_encode(csrf_token_of(card_page)) + "&role=" +
                                    kSecondRole).status == 403);
}

TEST_CASE("discovery lists AAL2 only when on", "[oidc][password]") {
  PasswordFixture f;
  Json document = body_json(f.provider->discovery());
  CHECK(document["acr_values_supported"] == Json({"AAL3", "AAL2"}));
  Json claims = document["claims_supported"];
  CHECK(std::find(claims.begin(), claims.end(), "authentication_assurance_level") != claims.end());

  Fixture card_only;
  CHECK(body_json(card_only.provider->discovery())["acr_values_supported"] == Json({"AAL3"}));
}

TEST_CASE("password login off returns 404", "[oidc][password]") {
  Fixture f;
  OidcRequest request;
  request.method = "POST";
  request.path = std::string(kLoginPath);
  request.body = "csrf_token=x&uid=555000000001&password=p&code=123456";
  CHECK(f.provider->handle(request, sso::PeerCertificate{}, "peer=test").status == 404);
  // Without the password login a browser without a card is rejected as before.
  Parameters rejected = f.redirect_parameters(f.authorize(
      "response_type=code&client_id=portal&scope=openid&redirect_uri=" + form_encode(kPortalRedirect),
      sso::PeerCertificate{}));
  CHECK(rejected["error"] == "access_denied");
}

TEST_CASE("requested assurance level from acr_values", "[oidc][password]") {
  CHECK(requested_assurance_level("") == 0);
  CHECK(requested_assurance_level("AAL3") == 3);
  CHECK(requested_assurance_level("AAL2") == 2);
  CHECK(requested_assurance_level("AAL3 AAL2") == 2);
  CHECK(requested_assurance_level("urn:other AAL3") == 3);
  CHECK(requested_assurance_level("AAL3_ANY") == 3);
  CHECK(requested_assurance_level("AAL2_OR_AAL3_ANY") == 2);
  CHECK(requested_assurance_level("urn:other") == 0);
  CHECK(requested_assurance_level("aal3") == 0);
}

}  // namespace careid::federation::oidc
