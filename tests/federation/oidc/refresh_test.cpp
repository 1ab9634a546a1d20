// Refresh tokens, revocation and the client credentials grant of the provider.
#include "provider_fixture.h"

namespace careid::federation::oidc {

TEST_CASE("refresh token needs offline_access", "[oidc][refresh]") {
  Fixture f;
  Json plain = f.code_tokens("offline", "openid profile");
  CHECK_FALSE(plain.contains("refresh_token"));

  Json offline = f.code_tokens("offline", "openid profile offline_access");
  REQUIRE(offline.contains("refresh_token"));
  CHECK(offline["refresh_token"].get<std::string>().size() == 43);

  // portal's registration has no refresh_token grant, so it cannot even ask.
  OidcReply rejected = f.authorize(std::string("response_type=code&client_id=portal") +
                                  "&scope=openid%20offline_access&redirect_uri=" +
                                  form_encode(kPortalRedirect));
  CHECK(f.redirect_parameters(rejected)["error"] == "invalid_scope");
}

TEST_CASE("refresh token rotates on use", "[oidc][refresh]") {
  Fixture f;
  Json first = f.code_tokens("offline", "openid profile offline_access");
  std::string token1 = first["refresh_token"];

  OidcReply reply = f.refresh("offline", token1);
  REQUIRE(reply.status == 200);
  Json second = body_json(reply);
  std::string token2 = second["refresh_token"];
  CHECK(token2 != token1);
  CHECK(second["scope"] == "openid profile offline_access");
  CHECK(f.is_active(second["access_token"], "offline"));

  Result<VerifiedJwt> id_token =
      verify_jwt(f.provider->keys(), second["id_token"].get<std::string>(), "JWT",
                 f.provider->keys().algorithms());
  REQUIRE(id_token.ok());
  CHECK(id_token->claims["aud"] == "offline");
  CHECK_FALSE(id_token->claims.contains("nonce"));

  OidcReply third = f.refresh("offline", token2);
  CHECK(third.status == 200);
}

TEST_CASE("refresh token reuse revokes family", "[oidc][refresh]") {
  Fixture f;
  Json first = f.code_tokens("offline", "openid offline_access");
  std::string token1 = first["refresh_token"];
  Json second = body_json(f.refresh("offline", token1));
  std::string token2 = second["refresh_token"];
  REQUIRE(f.is_active(second["access_token"], "offline"));

  OidcReply reused = f.refresh("offline", token1);
  CHECK(reused.status == 400);
  CHECK(body_json(reused)["error"] == "invalid_grant");

  CHECK(body_json(f.refresh("offline", token2))["error"] == "invalid_grant");
  CHECK_FALSE(f.is_active(first["access_token"], "offline"));
  CHECK_FALSE(f.is_active(second["access_token"], "offline"));
}

TEST_CASE("refresh token bound to client", "[oidc][refresh]") {
  Fixture f;
  std::string token = f.code_tokens("offline", "openid offline_access")["refresh_token"];
  // portal authenticates but is not allowed the grant at all.
  CHECK(body_json(f.refresh("portal", token))["error"] == "unauthorized_client");

  OidcReply foreign = f.token("grant_type=refresh_token&client_id=mobile&refresh_token=" + token);
  CHECK(body_json(foreign)["error"] == "invalid_grant");

  // The owner's token is unchanged by the foreign attempt.
  CHECK(f.refresh("offline", token).status == 200);
}

TEST_CASE("refresh scope narrows only", "[oidc][refresh]") {
  Fixture f;
  std::string token = f.code_tokens("offline", "openid offline_access")["refresh_token"];
  OidcReply wider = f.refresh("offline", token, "&scope=openid%20profile");
  CHECK(body_json(wider)["error"] == "invalid_scope");

  std::string token2 = f.code_tokens("offline", "openid profile offline_access")["refresh_token"];
  Json narrower = body_json(f.refresh("offline", token2, "&scope=openid"));
  CHECK(narrower["scope"] == "openid");
  // The narrowed refresh still carries the original grant, so the next one may widen again.
  Json again = body_json(f.refresh("offline", narrower["refresh_token"], "&scope=openid%20profile"));
  CHECK(again["scope"] == "openid profile");
}

TEST_CASE("refresh rejects bad tokens", "[oidc][refresh]") {
  Fixture f;
  CHECK(body_json(f.refresh("offline", ""))["error"] == "invalid_request");
  CHECK(body_json(f.refresh("offline", "garbage"))["error"] == "invalid_grant");

  std::string token = f.code_tokens("offline", "openid offline_access")["refresh_token"];
  f.now += std::chrono::hours(9);
  CHECK(body_json(f.refresh("offline", token))["error"] == "invalid_grant");
}

TEST_CASE("refresh fails for removed person", "[oidc][refresh]") {
  Fixture f;
  std::string token = f.code_tokens("offline", "openid offline_access")["refresh_token"];
  f.source.people.clear();
  CHECK(body_json(f.refresh("offline", token))["error"] == "invalid_grant");
}

TEST_CASE("public client refresh rotates", "[oidc][refresh]") {
  Fixture f;
  OidcReply reply = f.authorize(std::string("response_type=code&client_id=mobile&redirect_uri=") +
                                form_encode(kAppRedirect) + "&scope=openid&code_challenge=" +
                                kChallenge + "&code_challenge_method=S256");
  std::string code = f.redirect_parameters(reply)["code"];
  Json first = body_json(f.token("grant_type=authorization_code&client_id=mobile&code=" + code +
                                 "&redirect_uri=" + form_encode(kAppRedirect) +
                                 "&code_verifier=" + kVerifier));
  REQUIRE(first.contains("refresh_token"));  // mobile's policy is "always"

  std::string body = "grant_type=refresh_token&client_id=mobile&refresh_token=";
  Json second = body_json(f.token(body + first["refresh_token"].get<std::string>()));
  REQUIRE(second.contains("refresh_token"));
  CHECK(second["refresh_token"] != first["refresh_token"]);
  CHECK(body_json(f.token(body + first["refresh_token"].get<std::string>()))["error"] ==
        "invalid_grant");
  CHECK(body_json(f.token(body + second["refresh_token"].get<std::string>()))["error"] ==
        "invalid_grant");
}

TEST_CASE("revoke access token", "[oidc][revoke]") {
  Fixture f;
  Json tokens = f.code_tokens("offline", "openid profile");
  std::string access_token = tokens["access_token"];
  REQUIRE(f.is_active(access_token, "offline"));

  // Another client's request changes nothing, and the reply does not tell it so.
  OidcReply foreign = f.post("/oidc/revoke", "token=" + access_token, "portal");
  CHECK(foreign.status == 200);
  CHECK(f.is_active(access_token, "offline"));

  OidcReply revoked = f.post("/oidc/revoke", "token=" + access_token, "offline");
  CHECK(revoked.status == 200);
  CHECK_FALSE(f.is_active(access_token, "offline"));

  OidcRequest request;
  request.authorization = "Bearer " + access_token;
  CHECK(f.provider->userinfo(request).status == 401);
}

TEST_CASE("revoke refresh token", "[oidc][revoke]") {
  Fixture f;
  Json tokens = f.code_tokens("offline", "openid offline_access");
  std::string refresh_token = tokens["refresh_token"];

  OidcReply reply = f.post("/oidc/revoke",
                           "token=" + form_encode(refresh_token) + "&token_type_hint=refresh_token",
                           "offline");
  CHECK(reply.status == 200);
  CHECK(body_json(f.refresh("offline", refresh_token))["error"] == "invalid_grant");
  // RFC 7009 2.1: the access tokens of the same grant go with it.
  CHECK_FALSE(f.is_active(tokens["access_token"], "offline"));
}

TEST_CASE("revoke request errors", "[oidc][revoke]") {
  Fixture f;
  CHECK(f.post("/oidc/revoke", "token=unknown", "offline").status == 200);
  CHECK(body_json(f.post("/oidc/revoke", "token_type_hint=access_token", "offline"))["error"] ==
        "invalid_request");

  OidcRequest request;
  request.method = "POST";
  request.path = "/oidc/revoke";
  request.content_type = "application/x-www-form-urlencoded";
  request.authorization = basic("offline", "wrong");
  request.body = "token=x";
  CHECK(f.provider->handle(request, sso::PeerCertificate{}, "peer=test").status == 401);
  request.method = "GET";
  CHECK(f.provider->handle(request, sso::PeerCertificate{}, "peer=test").status == 405);
}

TEST_CASE("reused code revokes its tokens", "[oidc][revoke]") {
  Fixture f;
  Parameters redirect = f.redirect_parameters(f.authorize(
      std::string("response_type=code&client_id=offline&scope=openid%20offline_access") +
      "&redirect_uri=" + form_encode(kPortalRedirect)));
  std::string body = "grant_type=authorization_code&code=" + redirect["code"] +
                     "&redirect_uri=" + form_encode(kPortalRedirect);
  Json tokens = body_json(f.token(body, basic("offline", "portal-secret")));
  REQUIRE(f.is_active(tokens["access_token"], "offline"));

  OidcReply again = f.token(body, basic("offline", "portal-secret"));
  CHECK(body_json(again)["error"] == "invalid_grant");
  CHECK_FALSE(f.is_active(tokens["access_token"], "offline"));
  CHECK(body_json(f.refresh("offline", tokens["refresh_token"]))["error"] == "invalid_grant");
}

TEST_CASE("client credentials issue access token", "[oidc][client_credentials]") {
  Fixture f;
  OidcReply reply = f.token("grant_type=client_credentials", basic("service", "portal-secret"));
  REQUIRE(reply.status == 200);
  Json body = body_json(reply);
  CHECK_FALSE(body.contains("id_token"));
  CHECK_FALSE(body.contains("refresh_token"));
  CHECK(body["scope"] == "audit.read audit.write");

  OidcReply introspection = f.post("/oidc/introspect", "token=" + body["access_token"].get<std::string>(), "service");
  Json state = body_json(introspection);
  CHECK(state["active"] == true);
  CHECK(state["sub"] == "service");
  CHECK(state["client_id"] == "service");

  // The token names no person, so userinfo has nothing to return.
  OidcRequest request;
  request.authorization = "Bearer " + body["access_token"].get<std::string>();
  CHECK(f.provider->userinfo(request).status == 403);

  Json narrowed = body_json(f.token("grant_type=client_credentials&scope=audit.read",
                                    basic("service", "portal-secret")));
  CHECK(narrowed["scope"] == "audit.read");
}

TEST_CASE("client credentials scope limits", "[oidc][client_credentials]") {
  Fixture f;
  auto error_of = [&](const std::string& body, const std::string& client_id) {
    return body_json(f.token(body, basic(client_id, "portal-secret")))["error"];
  };
  CHECK(error_of("grant_type=client_credentials&scope=openid", "service") == "invalid_scope");
  CHECK(error_of("grant_type=client_credentials&scope=audit.delete", "service") ==
        "invalid_scope");
  CHECK(error_of("grant_type=client_credentials", "portal") == "unauthorized_client");
  CHECK(error_of("grant_type=client_credentials", "wrong") == "invalid_client");
  CHECK(error_of("grant_type=authorization_code&code=x", "service") == "unauthorized_client");
  CHECK(error_of("grant_type=password", "service") == "unsupported_grant_type");
}

TEST_CASE("discovery lists revocation and grants", "[oidc][revoke]") {
  Fixture f;
  Json document = body_json(f.provider->discovery());
  CHECK(document["revocation_endpoint"] == "https://idp.example/oidc/revoke");
  CHECK(document["grant_types_supported"] ==
        Json{"authorization_code", "refresh_token", "client_credentials"});
  CHECK(has_scope(document["scopes_supported"].get<std::vector<std::string>>(), "offline_access"));
}

TEST_CASE("token store bounds families", "[oidc][refresh]") {
  TokenStore store(2);
  auto now = std::chrono::system_clock::now();
  auto later = now + std::chrono::minutes(10);
  AuthorizationGrant grant;
  grant.client_id = "offline";
  REQUIRE(store.start_family(grant, "code-1", now, now + std::chrono::seconds(1)).ok());
  Result<std::string> second = store.start_family(grant, "", now, later);
  REQUIRE(second.ok());
  CHECK(store.start_family(grant, "code-3", now, later).status().code() ==
        StatusCode::kResourceExhausted);

  Result<std::string> token = store.issue_refresh_token(*second, now + std::chrono::hours(1));
  REQUIRE(token.ok());
  CHECK(store.use_refresh_token(*token, "other", now).outcome == RefreshOutcome::kWrongClient);
  CHECK(store.use_refresh_token(*token, "offline", now).outcome == RefreshOutcome::kRotated);
  CHECK(store.use_refresh_token(*token, "offline", now).outcome == RefreshOutcome::kReused);
  CHECK(store.use_refresh_token(*token, "offline", now).outcome == RefreshOutcome::kUnknown);
  CHECK(store.family_count() == 1);

  // The first family has expired by now, so it is dropped to make room.
  CHECK(store.start_family(grant, "code-4", now + std::chrono::seconds(1), later).ok());
  CHECK(store.revoke_code_family("code-4", now));
  CHECK_FALSE(store.revoke_code_family("code-1", now));
}

}  // namespace careid::federation::oidc
