#include "provider_fixture.h"

namespace careid::federation::oidc {


TEST_CASE("discovery document names the endpoints", "[oidc][provider]") {
  Fixture f;
  Json document = body_json(f.provider->discovery());
  CHECK(document["issuer"] == kIssuer);
  CHECK(document["authorization_endpoint"] == "https://idp.example/oidc/authorize");
  CHECK(document["token_endpoint"] == "https://idp.example/oidc/token");
  CHECK(document["jwks_uri"] == "https://idp.example/oidc/jwks");
  CHECK(document["id_token_signing_alg_values_supported"] == Json{"ES256"});
  CHECK(document["code_challenge_methods_supported"] == Json{"S256"});
  CHECK(document["response_types_supported"] == Json{"code"});
  Json jwks = body_json(f.provider->jwks());
  CHECK(jwks["keys"].size() == 1);
}

TEST_CASE("code flow with PKCE issues tokens", "[oidc][provider]") {
  Fixture f;
  OidcReply reply = f.authorize(std::string("response_type=code&client_id=app&redirect_uri=") +
                                form_encode(kAppRedirect) + "&scope=openid%20profile&state=s1" +
                                "&nonce=n1&code_challenge=" + kChallenge +
                                "&code_challenge_method=S256");
  Parameters redirect = f.redirect_parameters(reply);
  CHECK(reply.location.starts_with(std::string(kAppRedirect) + "?"));
  CHECK(redirect["state"] == "s1");
  CHECK(redirect["iss"] == kIssuer);

  OidcReply tokens = f.token(f.app_token_body(redirect["code"]));
  REQUIRE(tokens.status == 200);
  Json body = body_json(tokens);
  CHECK(body["token_type"] == "Bearer");
  CHECK(body["expires_in"] == 600);
  CHECK(body["scope"] == "openid profile");

  Result<VerifiedJwt> id_token =
      verify_jwt(f.provider->keys(), body["id_token"].get<std::string>(), "JWT",
                 f.provider->keys().algorithms());
  REQUIRE(id_token.ok());
  const Json& claims = id_token->claims;
  CHECK(claims["iss"] == kIssuer);
  CHECK(claims["aud"] == "app");
  CHECK(claims["nonce"] == "n1");
  CHECK(claims["acr"] == "AAL3");
  CHECK(claims["amr"] == Json{"sc"});
  CHECK(claims["sub"].get<std::string>().size() == 43);
  CHECK(claims["sub"] != kUid);
  CHECK(claims["exp"].get<std::int64_t>() > claims["iat"].get<std::int64_t>());
  CHECK(claims.contains("auth_time"));
}

TEST_CASE("subject is pairwise per client", "[oidc][provider]") {
  Fixture f;
  OidcReply app_tokens = f.token(f.app_token_body(f.code_for_app()));
  REQUIRE(app_tokens.status == 200);

  Parameters redirect = f.redirect_parameters(f.authorize(
      std::string("response_type=code&client_id=portal&scope=openid&redirect_uri=") +
      form_encode(kPortalRedirect)));
  OidcReply portal_tokens = f.token("grant_type=authorization_code&code=" + redirect["code"] +
                                        "&redirect_uri=" + form_encode(kPortalRedirect),
                                    basic("portal", "portal-secret"));
  REQUIRE(portal_tokens.status == 200);

  auto subject = [&](const OidcReply& reply) {
    std::string token = body_json(reply)["id_token"];
    return verify_jwt(f.provider->keys(), token, "JWT", f.provider->keys().algorithms())
        ->claims["sub"];
  };
  CHECK(subject(app_tokens) != subject(portal_tokens));
}

TEST_CASE("authorize rejects unknown client and redirect", "[oidc][provider]") {
  Fixture f;
  OidcReply unknown = f.authorize("response_type=code&client_id=nobody&scope=openid&redirect_uri=" +
                                  form_encode(kAppRedirect));
  CHECK(unknown.status == 400);
  CHECK(unknown.location.empty());

  OidcReply wrong_redirect = f.authorize(
      "response_type=code&client_id=app&scope=openid&redirect_uri=" +
      form_encode("http://127.0.0.1:9000/cb/evil"));
  CHECK(wrong_redirect.status == 400);
  CHECK(wrong_redirect.location.empty());

  OidcReply missing_redirect = f.authorize("response_type=code&client_id=app&scope=openid");
  CHECK(missing_redirect.status == 400);

  OidcReply repeated = f.authorize("client_id=app&client_id=app");
  CHECK(repeated.status == 400);
}

TEST_CASE("authorize redirects request errors", "[oidc][provider]") {
  Fixture f;
  const std::string base =
      "client_id=app&state=xyz&redirect_uri=" + form_encode(kAppRedirect);
  const std::string pkce =
      std::string("&code_challenge=") + kChallenge + "&code_challenge_method=S256";
  struct Case {
    std::string query;
    std::string error;
  };
  std::vector<Case> cases = {
      {base + "&scope=openid" + pkce, "invalid_request"},  // no response_type
      {base + "&response_type=token&scope=openid" + pkce, "unsupported_response_type"},
      {base + "&response_type=code&scope=profile" + pkce, "invalid_scope"},
      {base + "&response_type=code&scope=openid%20nationalrbacaccess" + pkce, "invalid_scope"},
      {base + "&response_type=code&scope=openid%20email" + pkce, "invalid_scope"},
      {base + "&response_type=code&scope=openid", "invalid_request"},  // public, no PKCE
      {base + "&response_type=code&scope=openid&code_challenge=" + kChallenge, "invalid_request"},
      {base + "&response_type=code&scope=openid&code_challenge=" + kChallenge +
           "&code_challenge_method=plain",
       "invalid_request"},
      {base + "&response_type=code&scope=openid&code_challenge=short&code_challenge_method=S256",
       "invalid_request"},
      {base + "&response_type=code&scope=openid&request=eyJ" + pkce, "request_not_supported"},
      {base + "&response_type=code&scope=openid&response_mode=fragment" + pkce,
       "invalid_request"},
      {base + "&response_type=code&scope=openid&nonce=" + std::string(513, 'n') + pkce,
       "invalid_request"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    Parameters redirect = f.redirect_parameters(f.authorize(c.query));
    CHECK(redirect["error"] == c.error);
    CHECK(redirect["state"] == "xyz");
    CHECK(redirect["iss"] == kIssuer);
    CHECK_FALSE(redirect.contains("code"));
  }
}

TEST_CASE("authorize without a valid card", "[oidc][provider]") {
  Fixture f;
  std::string query = std::string("response_type=code&client_id=app&scope=openid&redirect_uri=") +
                      form_encode(kAppRedirect) + "&code_challenge=" + kChallenge +
                      "&code_challenge_method=S256";
  Parameters no_card = f.redirect_parameters(f.authorize(query, sso::PeerCertificate{}));
  CHECK(no_card["error"] == "access_denied");

  sso::PeerCertificate unverified = card_for(kUid);
  unverified.verified = false;
  CHECK(f.redirect_parameters(f.authorize(query, unverified))["error"] == "access_denied");
  CHECK(f.redirect_parameters(f.authorize(query, card_for("555000000999")))["error"] ==
        "access_denied");

  f.source.fail = true;
  CHECK(f.redirect_parameters(f.authorize(query))["error"] == "temporarily_unavailable");
}

TEST_CASE("token rejects reused code", "[oidc][provider]") {
  Fixture f;
  std::string code = f.code_for_app();
  CHECK(f.token(f.app_token_body(code)).status == 200);
  OidcReply again = f.token(f.app_token_body(code));
  CHECK(again.status == 400);
  CHECK(body_json(again)["error"] == "invalid_grant");
}

TEST_CASE("token rejects wrong verifier and burns code", "[oidc][provider]") {
  Fixture f;
  std::string code = f.code_for_app();
  std::string wrong(43, 'a');
  OidcReply reply = f.token(f.app_token_body(code, wrong));
  CHECK(body_json(reply)["error"] == "invalid_grant");
  CHECK(body_json(f.token(f.app_token_body(code)))["error"] == "invalid_grant");

  std::string other = f.code_for_app();
  CHECK(body_json(f.token(f.app_token_body(other, "short")))["error"] == "invalid_grant");
  std::string missing = f.code_for_app();
  CHECK(body_json(f.token(f.app_token_body(missing, "")))["error"] == "invalid_grant");
}

TEST_CASE("token rejects expired code", "[oidc][provider]") {
  Fixture f;
  std::string code = f.code_for_app();
  f.now += std::chrono::seconds(61);
  CHECK(body_json(f.token(f.app_token_body(code)))["error"] == "invalid_grant");
}

TEST_CASE("token checks redirect_uri and client", "[oidc][provider]") {
  Fixture f;
  std::string code = f.code_for_app();
  std::string body = "grant_type=authorization_code&client_id=app&code=" + code +
                     "&redirect_uri=" + form_encode("http://127.0.0.1:9000/other") +
                     "&code_verifier=" + kVerifier;
  CHECK(body_json(f.token(body))["error"] == "invalid_grant");

  // A code issued to app cannot be redeemed by portal.
  std::string stolen = f.code_for_app();
  OidcReply reply = f.token("grant_type=authorization_code&code=" + stolen + "&redirect_uri=" +
                                form_encode(kAppRedirect) + "&code_verifier=" + kVerifier,
                            basic("portal", "portal-secret"));
  CHECK(body_json(reply)["error"] == "invalid_grant");
}

TEST_CASE("token client authentication", "[oidc][provider]") {
  Fixture f;
  const std::string grant = "grant_type=authorization_code&code=x&redirect_uri=" +
                            form_encode(kPortalRedirect);

  OidcReply wrong_secret = f.token(grant, basic("portal", "nope"));
  CHECK(wrong_secret.status == 401);
  CHECK(body_json(wrong_secret)["error"] == "invalid_client");
  CHECK(wrong_secret.www_authenticate.starts_with("Basic"));

  CHECK(f.token(grant, "Basic !!!").status == 401);
  CHECK(f.token(grant + "&client_id=portal&client_secret=portal-secret").status == 401);
  CHECK(f.token(grant + "&client_id=portal").status == 401);  // confidential without secret
  CHECK(f.token(grant + "&client_id=poster&client_secret=portal-secret").status == 400);
  CHECK(f.token(grant, basic("poster", "portal-secret")).status == 401);  // wrong method
  CHECK(f.token(grant + "&client_secret=portal-secret", basic("portal", "portal-secret")).status ==
        400);  // two methods
  CHECK(f.token(grant + "&client_id=nobody").status == 401);

  OidcReply unsupported = f.token("grant_type=password&client_id=app");
  CHECK(body_json(unsupported)["error"] == "unsupported_grant_type");

  OidcRequest json_body;
  json_body.content_type = "application/json";
  json_body.body = "{}";
  CHECK(f.provider->token(json_body, "peer=test").status == 400);
}

TEST_CASE("userinfo returns CIS2 claims", "[oidc][provider]") {
  Fixture f;
  Parameters redirect = f.redirect_parameters(f.authorize(
      std::string("response_type=code&client_id=portal&redirect_uri=") +
      form_encode(kPortalRedirect) + "&scope=openid%20profile%20nationalrbacaccess"));
  OidcReply tokens = f.token("grant_type=authorization_code&code=" + redirect["code"] +
                                 "&redirect_uri=" + form_encode(kPortalRedirect),
                             basic("portal", "portal-secret"));
  REQUIRE(tokens.status == 200);
  std::string access_token = body_json(tokens)["access_token"];

  OidcRequest request;
  request.method = "GET";
  request.authorization = "Bearer " + access_token;
  OidcReply reply = f.provider->userinfo(request);
  REQUIRE(reply.status == 200);
  Json info = body_json(reply);
  CHECK(info["uid"] == kUid);
  CHECK(info["name"] == "Ada Lovelace");
  CHECK(info["given_name"] == "Ada");
  CHECK(info["family_name"] == "Lovelace");
  CHECK(info["email"] == "ada@nhs.example");
  REQUIRE(info["nhsid_nrbac_roles"].size() == 1);
  const Json& role = info["nhsid_nrbac_roles"][0];
  CHECK(role["person_roleid"] == "555000000101");
  CHECK(role["org_code"] == "R0A");
  CHECK(role["role_code"] == "S8000:G8000:R8000");
  CHECK(role["role_name"] == "Clinical Practitioner Access Role");
  // CIS2 names: activity names and codes in the same order; a missing name is replaced by the code.
  CHECK(role["activities"] == Json::array({"Access Clinical Record", "B9999"}));
  CHECK(role["activity_codes"] == Json::array({"B0264", "B9999"}));
  CHECK(role["workgroups"] == Json::array({"WG-CARDIO"}));
}

TEST_CASE("userinfo with openid scope only", "[oidc][provider]") {
  Fixture f;
  Parameters redirect = f.redirect_parameters(f.authorize(
      std::string("response_type=code&client_id=portal&scope=openid&redirect_uri=") +
      form_encode(kPortalRedirect)));
  OidcReply tokens = f.token("grant_type=authorization_code&code=" + redirect["code"] +
                                 "&redirect_uri=" + form_encode(kPortalRedirect),
                             basic("portal", "portal-secret"));
  std::string access_token = body_json(tokens)["access_token"];
  Result<VerifiedJwt> access = verify_jwt(f.provider->keys(), access_token, "at+jwt",
                                          f.provider->keys().algorithms());
  REQUIRE(access.ok());
  CHECK_FALSE(access->claims.contains("uid"));

  OidcRequest request;
  request.authorization = "Bearer " + access_token;
  Json info = body_json(f.provider->userinfo(request));
  // Only the pairwise sub and how the login was made, nothing that names the person.
  CHECK(info.size() == 4);
  CHECK(info.contains("sub"));
  CHECK(info["acr"] == "AAL3");
  CHECK(info["amr"] == Json{"sc"});
  CHECK(info["authentication_assurance_level"] == "3");
}

TEST_CASE("userinfo rejects bad tokens", "[oidc][provider]") {
  Fixture f;
  OidcRequest request;
  OidcReply missing = f.provider->userinfo(request);
  CHECK(missing.status == 401);
  CHECK(missing.www_authenticate == "Bearer realm=\"careid\"");

  request.authorization = "Bearer not.a.token";
  OidcReply garbage = f.provider->userinfo(request);
  CHECK(garbage.status == 401);
  CHECK(garbage.www_authenticate.find("invalid_token") != std::string::npos);

  OidcReply tokens = f.token(f.app_token_body(f.code_for_app()));
  Json body = body_json(tokens);
  request.authorization = "Bearer " + body["id_token"].get<std::string>();
  CHECK(f.provider->userinfo(request).status == 401);  // an ID token is no access token

  request.authorization = "Bearer " + body["access_token"].get<std::string>();
  CHECK(f.provider->userinfo(request).status == 200);
  f.now += std::chrono::seconds(601);
  CHECK(f.provider->userinfo(request).status == 401);
}

TEST_CASE("introspection reports token state", "[oidc][provider]") {
  Fixture f;
  Parameters redirect = f.redirect_parameters(f.authorize(
      std::string("response_type=code&client_id=portal&scope=openid&redirect_uri=") +
      form_encode(kPortalRedirect)));
  OidcReply tokens = f.token("grant_type=authorization_code&code=" + redirect["code"] +
                                 "&redirect_uri=" + form_encode(kPortalRedirect),
                             basic("portal", "portal-secret"));
  std::string access_token = body_json(tokens)["access_token"];

  OidcRequest request;
  request.method = "POST";
  request.content_type = "application/x-www-form-urlencoded";
  request.authorization = basic("portal", "portal-secret");
  request.body = "token=" + access_token;
  Json active = body_json(f.provider->introspect(request));
  CHECK(active["active"] == true);
  CHECK(active["client_id"] == "portal");
  CHECK(active["scope"] == "openid");
  CHECK(active["iss"] == kIssuer);

  request.body = "token=garbage";
  CHECK(body_json(f.provider->introspect(request))["active"] == false);

  request.body = "token=" + access_token;
  request.authorization = basic("poster", "portal-secret");
  CHECK(f.provider->introspect(request).status == 401);
  request.authorization.clear();
  request.body += "&client_id=poster&client_secret=portal-secret";
  CHECK(body_json(f.provider->introspect(request))["active"] == false);  // another client's

  request.body = "token=" + access_token + "&client_id=app";
  CHECK(f.provider->introspect(request).status == 401);  // public client
}

TEST_CASE("handle routes methods", "[oidc][provider]") {
  Fixture f;
  CHECK(Provider::handles("/oidc/token"));
  CHECK(Provider::handles("/.well-known/openid-configuration"));
  CHECK_FALSE(Provider::handles("/oidc/other"));
  OidcRequest request;
  request.method = "DELETE";
  request.path = "/oidc/userinfo";
  OidcReply reply = f.provider->handle(request, sso::PeerCertificate{}, "peer=test");
  CHECK(reply.status == 405);
  CHECK(reply.allow == "GET, POST");
  request.method = "GET";
  request.path = "/oidc/token";
  CHECK(f.provider->handle(request, sso::PeerCertificate{}, "peer=test").status == 405);
  request.path = "/oidc/jwks";
  CHECK(f.provider->handle(request, sso::PeerCertificate{}, "peer=test").status == 200);
}

TEST_CASE("code store bounds and expiry", "[oidc][provider]") {
  CodeStore store(2);
  Clock::time_point now = Clock::now();
  AuthorizationGrant grant;
  grant.expires = now + std::chrono::seconds(10);
  REQUIRE(store.issue(grant, now).ok());
  REQUIRE(store.issue(grant, now).ok());
  CHECK(store.issue(grant, now).status().code() == StatusCode::kResourceExhausted);
  // Expired codes make room.
  CHECK(store.issue(grant, now + std::chrono::seconds(11)).ok());
  CHECK(store.size() == 1);
  CHECK_FALSE(store.take("unknown", now).has_value());
}

TEST_CASE("token issue records audit event", "[oidc][provider][audit]") {
  Fixture fixture;
  std::string code = fixture.code_for_app();
  OidcReply reply = fixture.token(fixture.app_token_body(code));
  REQUIRE(reply.status == 200);

  REQUIRE(fixture.audit_sink.events.size() == 1);
  const audit::Event& event = fixture.audit_sink.events[0];
  CHECK(event.type == "oidc.token");
  CHECK(event.actor == "app");
  CHECK(event.subject == kUid);
  CHECK(event.client == "test");
  CHECK(event.details["client_id"] == "app");
  CHECK(event.details["scopes"] == nlohmann::json({"openid", "profile"}));
  CHECK(event.details.dump().find(code) == std::string::npos);
}

TEST_CASE("token rejection records no event", "[oidc][provider][audit]") {
  Fixture fixture;
  std::string code = fixture.code_for_app();
  OidcReply reply = fixture.token(fixture.app_token_body(code, std::string(43, 'x')));
  REQUIRE(reply.status == 400);
  CHECK(fixture.audit_sink.events.empty());
}

}  // namespace careid::federation::oidc
