// Client authentication with private_key_jwt (RFC 7523 2.2 and 3, OIDC Core 9): the client
// signs a short-lived JWT with a key whose public half is in its registration.
#include <algorithm>

#include "federation/oidc/provider.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

constexpr std::string_view kJwtBearerType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// An assertion may be valid for this long at most (plus kClockSkew), which also bounds how
// long its jti is remembered. authlib 1.2 signs assertions valid for exactly 3600 s.
constexpr std::chrono::seconds kMaxAssertionLifetime{3600};
// Tolerated clock difference between client and careid, for exp, nbf and iat.
constexpr std::chrono::seconds kClockSkew{60};
constexpr std::size_t kMaxJtiBytes = 256;

std::int64_t epoch_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// RFC 7523 3: the key is chosen by kid when the header has one, otherwise it must be the only
// key of the header's algorithm.
const ClientKey* select_client_key(const Client& client, const Json& header) {
  Result<pki::JwsAlgorithm> algorithm = parse_jws_algorithm(header.value("alg", ""));
  if (!algorithm.ok()) {
    return nullptr;
  }
  std::string kid = header.contains("kid") && header["kid"].is_string() ? header["kid"] : "";
  const ClientKey* chosen = nullptr;
  for (const ClientKey& key : client.keys) {
    if (key.algorithm != *algorithm || (!kid.empty() && key.kid != kid)) {
      continue;
    }
    if (chosen != nullptr) {
      return nullptr;  // two candidates: ambiguous without a kid
    }
    chosen = &key;
  }
  return chosen;
}

bool audience_matches(const Json& aud, const std::string& issuer, const std::string& token_url) {
  auto accepted = [&](const Json& value) {
    return value.is_string() && (value == issuer || value == token_url);
  };
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), accepted);
  }
  return accepted(aud);
}

std::optional<std::int64_t> integer_claim(const Json& claims, const char* name) {
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_number_integer()) {
    return std::nullopt;
  }
  return found->get<std::int64_t>();
}

}  // namespace

bool has_client_assertion(const Parameters& parameters) {
  return !parameter(parameters, "client_assertion").empty() ||
         !parameter(parameters, "client_assertion_type").empty();
}

Result<const Client*, std::string> Provider::authenticate_by_assertion(
    const Parameters& parameters) const {
  if (parameter(parameters, "client_assertion_type") != kJwtBearerType) {
    return std::string("client_assertion_type is not jwt-bearer");
  }
  Result<CompactJws> jws = parse_compact_jws(parameter(parameters, "client_assertion"));
  if (!jws.ok()) {
    return "client_assertion is malformed: " + jws.status().message();
  }
  const Json& claims = jws->claims;
  std::string iss = claims.contains("iss") && claims["iss"].is_string() ? claims["iss"] : "";
  const Client* client = clients().find(iss);
  if (client == nullptr || client->auth_method != ClientAuthMethod::kPrivateKeyJwt) {
    return std::string("iss names no private_key_jwt client");
  }
  std::string_view body_id = parameter(parameters, "client_id");
  if (claims.value("sub", Json()) != iss || (!body_id.empty() && body_id != iss)) {
    return std::string("sub and client_id must equal iss");
  }

  const ClientKey* key = select_client_key(*client, jws->header);
  if (key == nullptr) {
    return std::string("alg or kid names no registered key");
  }
  Status verified = pki::jws_verify(*key->key, pki::as_bytes(jws->signing_input),
                                    pki::as_bytes(jws->signature));
  if (!verified.ok()) {
    return std::string("signature does not verify");
  }

  if (!audience_matches(claims.value("aud", Json()), settings_.issuer, endpoint("/oidc/token"))) {
    return std::string("aud is neither the issuer nor the token endpoint");
  }
  const auto now = clock_();
  const std::int64_t now_seconds = epoch_seconds(now);
  std::optional<std::int64_t> exp = integer_claim(claims, "exp");
  const std::int64_t latest_exp =
      now_seconds + kMaxAssertionLifetime.count() + kClockSkew.count();
  if (!exp || *exp <= now_seconds || *exp > latest_exp) {
    return std::string("exp is missing, past or more than an hour ahead");
  }
  for (const char* name : {"nbf", "iat"}) {
    std::optional<std::int64_t> value = integer_claim(claims, name);
    if (claims.contains(name) && (!value || *value > now_seconds + kClockSkew.count())) {
      return std::string(name) + " is invalid or in the future";
    }
  }
  Json jti = claims.value("jti", Json());
  if (!jti.is_string() || jti.get<std::string>().empty() ||
      jti.get<std::string>().size() > kMaxJtiBytes) {
    return std::string("jti is missing or too long");
  }
  auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(*exp));
  if (!tokens_.remember_assertion_id(client->client_id, jti.get<std::string>(), expires, now)) {
    return std::string("jti was used before");
  }
  return client;
}

}  // namespace careid::federation::oidc
