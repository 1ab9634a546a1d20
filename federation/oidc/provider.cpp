#include "federation/oidc/provider.h"

#include <algorithm>

#include "base/log.h"

namespace careid::federation::oidc {
namespace {

constexpr std::string_view kDiscoveryPath = "/.well-known/openid-configuration";
constexpr std::string_view kJwksPath = "/oidc/jwks";
constexpr std::string_view kAuthorizePath = "/oidc/authorize";
constexpr std::string_view kTokenPath = "/oidc/token";
constexpr std::string_view kUserinfoPath = "/oidc/userinfo";
constexpr std::string_view kIntrospectPath = "/oidc/introspect";
constexpr std::string_view kRevokePath = "/oidc/revoke";

OidcReply json_reply(const Json& body) {
  OidcReply reply;
  reply.body = body.dump();
  return reply;
}

OidcReply method_not_allowed(std::string_view allow) {
  OidcReply reply = oauth_error(405, "invalid_request", "method not allowed here");
  reply.allow = std::string(allow);
  return reply;
}

Json algorithm_names(const KeySet& keys) {
  Json names = Json::array();
  for (pki::JwsAlgorithm algorithm : keys.algorithms()) {
    names.push_back(std::string(pki::jws_algorithm_name(algorithm)));
  }
  return names;
}

}  // namespace

OidcReply oauth_error(int status, std::string_view error, std::string_view description) {
  OidcReply reply;
  reply.status = status;
  reply.body = Json{{"error", std::string(error)}, {"error_description", std::string(description)}}
                   .dump();
  return reply;
}

OidcReply text_reply(int status, std::string body) {
  OidcReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::move(body);
  return reply;
}

std::vector<std::string> split_scopes(std::string_view scope) {
  std::vector<std::string> scopes;
  while (!scope.empty()) {
    std::size_t end = scope.find(' ');
    std::string item(scope.substr(0, end));
    scope = end == std::string_view::npos ? std::string_view() : scope.substr(end + 1);
    if (!item.empty() && !has_scope(scopes, item)) {
      scopes.push_back(std::move(item));
    }
  }
  return scopes;
}

bool has_scope(const std::vector<std::string>& scopes, std::string_view scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

Provider::Provider(ProviderSettings settings, KeySet keys, ClientRegistry clients,
                   IdentitySource& source, sso::PersistentIdGenerator ids, Clock clock, audit::Sink& audit)
    : settings_(std::move(settings)),
      keys_(std::move(keys)),
      clients_(std::move(clients)),
      source_(source),
      ids_(std::move(ids)),
      clock_(std::move(clock)),
      audit_(audit),
      codes_(settings_.max_codes),
      tokens_(settings_.max_token_families, settings_.max_assertion_ids) {}

bool Provider::handles(std::string_view path) {
  return path == kDiscoveryPath || path == kJwksPath || path == kAuthorizePath ||
         path == kTokenPath || path == kUserinfoPath || path == kIntrospectPath ||
         path == kRevokePath || path == kRoleChoicePath || path == kLoginPath;
}

OidcReply Provider::handle(const OidcRequest& request, const sso::PeerCertificate& card,
                           std::string_view peer) const {
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const std::string_view path = request.path;

  if (path == kDiscoveryPath || path == kJwksPath || path == kAuthorizePath) {
    if (!get) {
      return method_not_allowed("GET");
    }
    return path == kDiscoveryPath ? discovery()
           : path == kJwksPath    ? jwks()
                                  : authorize(card, request.query, request.session_cookie, peer);
  }
  if (path == kUserinfoPath) {
    return get || post ? userinfo(request) : method_not_allowed("GET, POST");
  }
  if (!post) {
    return method_not_allowed("POST");
  }
  if (path == kRoleChoicePath) {
    return choose_role(card, request.body, peer);
  }
  if (path == kLoginPath) {
    return sign_in_with_password(request.body, peer);
  }
  if (path == kRevokePath) {
    return revoke(request, peer);
  }
  return path == kTokenPath ? token(request, peer) : introspect(request);
}

OidcReply Provider::discovery() const {
  // The acr values careid asserts: AAL2 only while the password + TOTP login is on.
  Json acr_values = Json::array({kAcrSmartcard});
  if (password_login_ != nullptr) {
    acr_values.push_back(kAcrPasswordTotp);
  }
  Json document = {
      {"issuer", settings_.issuer},
      {"authorization_endpoint", endpoint(kAuthorizePath)},
      {"token_endpoint", endpoint(kTokenPath)},
      {"userinfo_endpoint", endpoint(kUserinfoPath)},
      {"jwks_uri", endpoint(kJwksPath)},
      {"introspection_endpoint", endpoint(kIntrospectPath)},
      {"revocation_endpoint", endpoint(kRevokePath)},
      {"end_session_endpoint", endpoint(kEndSessionPath)},
      {"backchannel_logout_supported", true},
      {"backchannel_logout_session_supported", true},
      {"scopes_supported", {kScopeOpenId, kScopeProfile, kScopeNationalRbac, kScopeOfflineAccess}},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported",
       {kGrantAuthorizationCode, kGrantRefreshToken, kGrantClientCredentials}},
      {"subject_types_supported", {"pairwise"}},
      {"id_token_signing_alg_values_supported", algorithm_names(keys_)},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
      {"token_endpoint_auth_signing_alg_values_supported", {"ES256", "RS256"}},
      {"introspection_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"revocation_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"acr_values_supported", std::move(acr_values)},
      {"claims_supported",
       {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
        "authentication_assurance_level", "azp", "sid", "uid", "name", "given_name", "family_name",
        "email", "nhsid_nrbac_roles"}},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
      {"claims_parameter_supported", false},
  };
  return json_reply(document);
}

OidcReply Provider::jwks() const {
  OidcReply reply = json_reply(keys_.jwks());
  reply.content_type = "application/jwk-set+json";
  return reply;
}

Result<std::string> Provider::pairwise_subject(std::string_view client_id,
                                               std::string_view uid) const {
  return ids_.name_id(client_id, uid);
}

}  // namespace careid::federation::oidc
