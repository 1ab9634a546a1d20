// Shared fixture of the OpenID provider tests and the SUS API bearer token tests: a
// provider with test clients, one person and a clock the test sets.
#pragma once

#include "federation/oidc/provider.h"

#include <map>

#include <catch2/catch.hpp>

#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

using Clock = std::chrono::system_clock;

constexpr const char* kUid = "555000000001";
constexpr const char* kIssuer = "https://idp.example";
constexpr const char* kPortalRedirect = "https://portal.example/cb";
constexpr const char* kAppRedirect = "http://127.0.0.1:9000/cb";
constexpr const char* kPortalLoggedOut = "https://portal.example/signed-out";
// RFC 7636 appendix B.
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

class PeopleSource : public IdentitySource {
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

sso::PeerCertificate card_for(std::string uid) {
  sso::PeerCertificate card;
  card.present = true;
  card.verified = true;
  card.subject = "CN=" + uid + ",OU=people,O=nhs";
  card.common_names = {uid};
  return card;
}

// Keeps every audit event it receives; the provider records from one thread in these tests.
class CapturingSink final : public audit::Sink {
 public:
  std::vector<audit::Event> events;
  void record(audit::Event event) override { events.push_back(std::move(event)); }
};

std::string basic(std::string_view id, std::string_view secret) {
  return "Basic " + pki::base64_encode(pki::as_bytes(std::string(id) + ":" + std::string(secret)));
}

// Returns the CSRF token of a role or login page.
inline std::string csrf_token_of(const OidcReply& page) {
  const std::string marker = "name=\"csrf_token\" value=\"";
  std::size_t start = page.body.find(marker);
  REQUIRE(start != std::string::npos);
  start += marker.size();
  return page.body.substr(start, page.body.find('"', start) - start);
}

// Returns the session ID that the reply's Set-Cookie sets.
inline std::string cookie_value(const OidcReply& reply) {
  std::string value = reply.set_cookie.substr(reply.set_cookie.find('=') + 1);
  return value.substr(0, value.find(';'));
}

Json body_json(const OidcReply& reply) {
  Json body = Json::parse(reply.body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

struct Fixture {
  CapturingSink audit_sink;
  PeopleSource source;
  Clock::time_point now = Clock::now();
  std::unique_ptr<Provider> provider;

  explicit Fixture(std::string issuer = kIssuer) {
    Person person;
    person.uid = kUid;
    person.cn = "Ada Lovelace";
    person.given_name = "Ada";
    person.surname = "Lovelace";
    person.mail = "ada@nhs.example";
    RoleProfile role;
    role.id = "555000000101";
    role.org_code = "R0A";
    role.job_role_code = "S8000:G8000:R8000";
    role.job_role_name = "Clinical Practitioner Access Role";
    role.activities = {{"B0264", "Access Clinical Record"}, {"B9999", ""}};
    role.workgroups = {"WG-CARDIO"};
    person.roles = {role};
    source.people.emplace(kUid, person);

    ClientRegistry clients;
    Client portal;
    portal.client_id = "portal";
    portal.secret_sha256 = pki::to_string(*pki::sha256(pki::as_bytes("portal-secret")));
    portal.redirect_uris = {kPortalRedirect};
    portal.scopes = {"openid", "profile", "nationalrbacaccess"};
    REQUIRE(clients.add(portal).ok());
    Client poster = portal;
    poster.client_id = "poster";
    poster.auth_method = ClientAuthMethod::kClientSecretPost;
    REQUIRE(clients.add(poster).ok());
    Client app;
    app.client_id = "app";
    app.auth_method = ClientAuthMethod::kNone;
    app.redirect_uris = {kAppRedirect};
    app.scopes = {"openid", "profile"};
    REQUIRE(clients.add(app).ok());
    Client offline = portal;
    offline.client_id = "offline";
    offline.scopes = {"openid", "profile", "offline_access"};
    offline.grant_types = {kGrantAuthorizationCode, kGrantRefreshToken};
    REQUIRE(clients.add(offline).ok());
    Client mobile = app;
    mobile.client_id = "mobile";
    mobile.grant_types = {kGrantAuthorizationCode, kGrantRefreshToken};
    mobile.refresh_tokens = RefreshTokenPolicy::kAlways;
    REQUIRE(clients.add(mobile).ok());
    Client rp = offline;
    rp.client_id = "rp";
    rp.refresh_tokens = RefreshTokenPolicy::kAlways;
    rp.post_logout_redirect_uris = {kPortalLoggedOut};
    rp.backchannel_logout_uri = "https://portal.example/backchannel";
    REQUIRE(clients.add(rp).ok());
    Client service = portal;
    service.client_id = "service";
    service.redirect_uris.clear();
    service.scopes = {"audit.read", "audit.write"};
    service.grant_types = {kGrantClientCredentials};
    REQUIRE(clients.add(service).ok());

    std::vector<pki::PrivateKey> keys;
    Result<pki::PrivateKey> key = pki::PrivateKey::generate();
    REQUIRE(key.ok());
    keys.push_back(std::move(*key));
    Result<KeySet> key_set = KeySet::create(std::move(keys));
    REQUIRE(key_set.ok());

    ProviderSettings settings;
    settings.issuer = std::move(issuer);
    provider = std::make_unique<Provider>(settings, std::move(*key_set), std::move(clients), source,
                                          sso::PersistentIdGenerator(std::string(32, 'k')),
                                          [this] { return now; }, audit_sink);
  }

  OidcReply authorize(const std::string& query, sso::PeerCertificate card = card_for(kUid)) {
    return provider->authorize(card, query, "peer=test");
  }

  // Returns the redirect's query parameters.
  Parameters redirect_parameters(const OidcReply& reply) {
    REQUIRE(reply.status == 302);
    std::size_t question = reply.location.find('?');
    REQUIRE(question != std::string::npos);
    Result<Parameters> parameters = parse_form(reply.location.substr(question + 1));
    REQUIRE(parameters.ok());
    return *parameters;
  }

  std::string code_for_app() {
    OidcReply reply = authorize(std::string("response_type=code&client_id=app&redirect_uri=") +
                                form_encode(kAppRedirect) + "&scope=openid%20profile&state=s1" +
                                "&nonce=n1&code_challenge=" + kChallenge +
                                "&code_challenge_method=S256");
    Parameters parameters = redirect_parameters(reply);
    REQUIRE(parameters.contains("code"));
    return parameters["code"];
  }

  OidcReply token(const std::string& body, const std::string& authorization = "") {
    OidcRequest request;
    request.method = "POST";
    request.path = "/oidc/token";
    request.content_type = "application/x-www-form-urlencoded";
    request.body = body;
    request.authorization = authorization;
    return provider->token(request, "peer=test");
  }

  // Redeems the code of the authorization redirect `authorized` for a confidential client
  // whose secret is "portal-secret" and redirect URI kPortalRedirect. Returns the tokens.
  Json redeem_code(const OidcReply& authorized, const std::string& client_id) {
    OidcReply reply = token("grant_type=authorization_code&code=" +
                                redirect_parameters(authorized)["code"] +
                                "&redirect_uri=" + form_encode(kPortalRedirect),
                            basic(client_id, "portal-secret"));
    REQUIRE(reply.status == 200);
    return body_json(reply);
  }

  // Runs the code flow for a confidential client whose secret is "portal-secret", with the
  // card of `uid`, and returns the token response.
  Json code_tokens(const std::string& client_id, const std::string& scope,
                   const std::string& uid = kUid) {
    Parameters redirect = redirect_parameters(
        authorize("response_type=code&client_id=" + client_id + "&scope=" + form_encode(scope) +
                      "&redirect_uri=" + form_encode(kPortalRedirect),
                  card_for(uid)));
    OidcReply reply = token("grant_type=authorization_code&code=" + redirect["code"] +
                                "&redirect_uri=" + form_encode(kPortalRedirect),
                            basic(client_id, "portal-secret"));
    REQUIRE(reply.status == 200);
    return body_json(reply);
  }

  OidcReply refresh(const std::string& client_id, const std::string& refresh_token,
                    const std::string& extra = "") {
    return token("grant_type=refresh_token&refresh_token=" + form_encode(refresh_token) + extra,
                 basic(client_id, "portal-secret"));
  }

  // Sends a form POST to `path` with HTTP Basic authentication as `client_id`.
  OidcReply post(const std::string& path, const std::string& body, const std::string& client_id) {
    OidcRequest request;
    request.method = "POST";
    request.path = path;
    request.content_type = "application/x-www-form-urlencoded";
    request.authorization = basic(client_id, "portal-secret");
    request.body = body;
    return provider->handle(request, sso::PeerCertificate{}, "peer=test");
  }

  bool is_active(const std::string& access_token, const std::string& client_id) {
    OidcReply reply = post("/oidc/introspect", "token=" + form_encode(access_token), client_id);
    REQUIRE(reply.status == 200);
    return body_json(reply)["active"] == true;
  }

  std::string app_token_body(const std::string& code, const std::string& verifier = kVerifier) {
    return "grant_type=authorization_code&client_id=app&code=" + code +
           "&redirect_uri=" + form_encode(kAppRedirect) + "&code_verifier=" + verifier;
  }
};

}  // namespace

}  // namespace careid::federation::oidc
