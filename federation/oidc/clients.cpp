#include "federation/oidc/clients.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml.hpp>

#include "base/toml_text.h"
#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::oidc {
namespace {

using Json = nlohmann::json;

Status invalid(std::string_view source, const std::string& message) {
  return Status::invalid_argument(std::string(source) + ": " + message);
}

// RFC 8252 7.3: native apps may use http on the loopback interface; everything else is https.
bool is_acceptable_redirect_uri(std::string_view uri) {
  if (uri.find('#') != std::string_view::npos) {
    return false;
  }
  if (uri.starts_with("https://") && uri.size() > 8) {
    return true;
  }
  return uri.starts_with("http://127.0.0.1:") || uri.starts_with("http://127.0.0.1/") ||
         uri.starts_with("http://localhost:") || uri.starts_with("http://localhost/");
}

Result<std::vector<std::string>> string_list(const Json& object, const char* name,
                                             std::string_view source) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_array() || found->empty()) {
    return invalid(source, std::string(name) + ": expected a non-empty array of strings");
  }
  std::vector<std::string> values;
  for (const Json& item : *found) {
    if (!item.is_string()) {
      return invalid(source, std::string(name) + ": expected a non-empty array of strings");
    }
    values.push_back(item.get<std::string>());
  }
  return values;
}

// A non-empty list of URIs that each pass is_acceptable_redirect_uri.
Result<std::vector<std::string>> redirect_uri_list(const Json& object, const char* name,
                                                   std::string_view source) {
  Result<std::vector<std::string>> uris = string_list(object, name, source);
  if (!uris.ok()) {
    return uris.status();
  }
  for (const std::string& uri : *uris) {
    if (!is_acceptable_redirect_uri(uri)) {
      return invalid(source, std::string(name) + ": '" + uri +
                                 "' must be an https URL (http only on loopback) without '#'");
    }
  }
  return uris;
}

Result<ClientAuthMethod> parse_auth_method(const Json& object, std::string_view source) {
  auto found = object.find("token_endpoint_auth_method");
  if (found == object.end()) {
    return ClientAuthMethod::kClientSecretBasic;
  }
  std::string name = found->is_string() ? found->get<std::string>() : "";
  for (ClientAuthMethod method :
       {ClientAuthMethod::kClientSecretBasic, ClientAuthMethod::kClientSecretPost,
        ClientAuthMethod::kPrivateKeyJwt, ClientAuthMethod::kNone}) {
    if (name == client_auth_method_name(method)) {
      return method;
    }
  }
  return invalid(source, "token_endpoint_auth_method: expected client_secret_basic, "
                         "client_secret_post, private_key_jwt or none");
}

Status read_keys(const Json& object, std::string_view source, Client& client) {
  auto found = object.find("jwks");
  if (client.auth_method != ClientAuthMethod::kPrivateKeyJwt) {
    return found == object.end()
               ? Status::ok_status()
               : invalid(source, "jwks: only a private_key_jwt client registers keys");
  }
  if (found == object.end()) {
    return invalid(source, "jwks: missing; give the client's public keys as a JWK Set");
  }
  Result<std::vector<ClientKey>> keys = import_client_jwks(*found);
  if (!keys.ok()) {
    return invalid(source, "jwks: " + keys.status().message());
  }
  client.keys = std::move(*keys);
  return Status::ok_status();
}

Status read_secret(const Json& object, std::string_view source, Client& client) {
  auto found = object.find("client_secret_sha256");
  if (client.auth_method == ClientAuthMethod::kPrivateKeyJwt) {
    return found == object.end()
               ? read_keys(object, source, client)
               : invalid(source, "client_secret_sha256: a private_key_jwt client has no secret");
  }
  CAREID_RETURN_IF_ERROR(read_keys(object, source, client));
  if (client.is_public()) {
    return found == object.end()
               ? Status::ok_status()
               : invalid(source, "client_secret_sha256: a client with method none has no secret");
  }
  if (found == object.end() || !found->is_string()) {
    return invalid(source, "client_secret_sha256: missing; give the hex SHA-256 of the secret");
  }
  Result<pki::Bytes> hash = pki::hex_decode(found->get<std::string>());
  if (!hash.ok() || hash->size() != pki::kSha256Bytes) {
    return invalid(source, "client_secret_sha256: expected 64 hexadecimal digits");
  }
  client.secret_sha256 = pki::to_string(*hash);
  return Status::ok_status();
}

Status read_grant_types(const Json& object, std::string_view source, Client& client) {
  if (!object.contains("grant_types")) {
    return Status::ok_status();
  }
  Result<std::vector<std::string>> grants = string_list(object, "grant_types", source);
  if (!grants.ok()) {
    return grants.status();
  }
  for (const std::string& grant : *grants) {
    bool known = grant == kGrantAuthorizationCode || grant == kGrantRefreshToken ||
                 grant == kGrantClientCredentials;
    if (!known) {
      return invalid(source, "grant_types: '" + grant + "' is not one of authorization_code, "
                                                        "refresh_token, client_credentials");
    }
  }
  client.grant_types = std::move(*grants);
  if (client.allows_grant(kGrantClientCredentials) && client.is_public()) {
    return invalid(source, "grant_types: client_credentials needs a confidential client; "
                           "set token_endpoint_auth_method and a secret or key");
  }
  if (client.allows_grant(kGrantRefreshToken) && !client.allows_grant(kGrantAuthorizationCode)) {
    return invalid(source, "grant_types: refresh_token needs authorization_code as well");
  }
  return Status::ok_status();
}

Status read_refresh_policy(const Json& object, std::string_view source, Client& client) {
  auto found = object.find("refresh_tokens");
  if (found == object.end()) {
    return Status::ok_status();
  }
  std::string name = found->is_string() ? found->get<std::string>() : "";
  if (name == "offline_access") {
    client.refresh_tokens = RefreshTokenPolicy::kOfflineAccess;
  } else if (name == "always") {
    client.refresh_tokens = RefreshTokenPolicy::kAlways;
  } else {
    return invalid(source, "refresh_tokens: expected \"offline_access\" or \"always\"");
  }
  if (!client.allows_grant(kGrantRefreshToken)) {
    return invalid(source, "refresh_tokens: add refresh_token to grant_types first");
  }
  return Status::ok_status();
}

Status read_logout_members(const Json& object, std::string_view source, Client& client) {
  if (object.contains("post_logout_redirect_uris")) {
    Result<std::vector<std::string>> uris = redirect_uri_list(object, "post_logout_redirect_uris", source);
    if (!uris.ok()) {
      return uris.status();
    }
    client.post_logout_redirect_uris = std::move(*uris);
  }

  auto uri = object.find("backchannel_logout_uri");
  if (uri != object.end()) {
    // Back-Channel Logout 1.0 2.2: an absolute URL without a fragment.
    if (!uri->is_string() || !is_acceptable_redirect_uri(uri->get<std::string>())) {
      return invalid(source, "backchannel_logout_uri: expected an https URL (http only on "
                             "loopback) without '#'");
    }
    client.backchannel_logout_uri = uri->get<std::string>();
  }
  auto required = object.find("backchannel_logout_session_required");
  if (required != object.end()) {
    if (!required->is_boolean()) {
      return invalid(source, "backchannel_logout_session_required: expected true or false");
    }
    client.backchannel_logout_session_required = required->get<bool>();
  }
  return Status::ok_status();
}

Result<Client> client_from_json(const Json& object, std::string_view source) {
  static const char* const kKnown[] = {"client_id", "token_endpoint_auth_method",
                                       "client_secret_sha256", "redirect_uris", "scopes",
                                       "client_name", "grant_types", "refresh_tokens", "jwks",
                                       "post_logout_redirect_uris", "backchannel_logout_uri",
                                       "backchannel_logout_session_required"};
  if (!object.is_object()) {
    return invalid(source, "expected a JSON object or TOML table");
  }
  for (const auto& [key, value] : object.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return invalid(source, key + ": unknown member; check the spelling");
    }
  }

  Client client;
  auto id = object.find("client_id");
  if (id == object.end() || !id->is_string() || id->get<std::string>().empty()) {
    return invalid(source, "client_id: missing or not a string");
  }
  client.client_id = id->get<std::string>();

  Result<ClientAuthMethod> method = parse_auth_method(object, source);
  if (!method.ok()) {
    return method.status();
  }
  client.auth_method = *method;
  CAREID_RETURN_IF_ERROR(read_secret(object, source, client));

  CAREID_RETURN_IF_ERROR(read_grant_types(object, source, client));
  CAREID_RETURN_IF_ERROR(read_refresh_policy(object, source, client));
  CAREID_RETURN_IF_ERROR(read_logout_members(object, source, client));

  Result<std::vector<std::string>> scopes = string_list(object, "scopes", source);
  if (!scopes.ok()) {
    return scopes.status();
  }
  client.scopes = std::move(*scopes);
  if (!client.allows_grant(kGrantAuthorizationCode)) {
    // A service client never redirects a browser, so it has no redirect URIs.
    return object.contains("redirect_uris")
               ? invalid(source, "redirect_uris: only clients with the authorization_code "
                                 "grant have redirect URIs")
               : Result<Client>(std::move(client));
  }

  Result<std::vector<std::string>> uris = redirect_uri_list(object, "redirect_uris", source);
  if (!uris.ok()) {
    return uris.status();
  }
  client.redirect_uris = std::move(*uris);
  if (!client.allows_scope("openid")) {
    return invalid(source, "scopes: must include openid");
  }
  return client;
}

// Converts a TOML table of strings and string arrays to JSON for client_from_json.
Json toml_to_json(const toml::value& value) {
  if (value.is_table()) {
    Json object = Json::object();
    for (const auto& [key, item] : value.as_table()) {
      object[key] = toml_to_json(item);
    }
    return object;
  }
  if (value.is_array()) {
    Json array = Json::array();
    for (const auto& item : value.as_array()) {
      array.push_back(toml_to_json(item));
    }
    return array;
  }
  if (value.is_string()) {
    return value.as_string().str;
  }
  if (value.is_boolean()) {
    return value.as_boolean();
  }
  return nullptr;
}

Result<std::string> read_small_file(const std::filesystem::path& path) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > kMaxClientFileBytes) {
    return Status::invalid_argument(path.string() + ": unreadable or larger than " +
                                    std::to_string(kMaxClientFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    return Status::io_error(path.string() + ": cannot read the file");
  }
  return text.str();
}

}  // namespace

std::string_view client_auth_method_name(ClientAuthMethod method) {
  switch (method) {
    case ClientAuthMethod::kClientSecretBasic:
      return "client_secret_basic";
    case ClientAuthMethod::kClientSecretPost:
      return "client_secret_post";
    case ClientAuthMethod::kPrivateKeyJwt:
      return "private_key_jwt";
    case ClientAuthMethod::kNone:
      return "none";
  }
  return "none";
}

bool Client::allows_redirect_uri(std::string_view uri) const {
  return std::find(redirect_uris.begin(), redirect_uris.end(), uri) != redirect_uris.end();
}

bool Client::allows_post_logout_redirect_uri(std::string_view uri) const {
  return std::find(post_logout_redirect_uris.begin(), post_logout_redirect_uris.end(), uri) !=
         post_logout_redirect_uris.end();
}

bool Client::allows_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool Client::allows_grant(std::string_view grant_type) const {
  return std::find(grant_types.begin(), grant_types.end(), grant_type) != grant_types.end();
}

bool Client::secret_matches(std::string_view secret) const {
  if (secret_sha256.empty() || secret.empty()) {
    return false;
  }
  Result<pki::Bytes> hash = pki::sha256(pki::as_bytes(secret));
  return hash.ok() && pki::constant_time_equal(*hash, pki::as_bytes(secret_sha256));
}

Result<Client> parse_client_json(std::string_view text, std::string_view source) {
  Json object = Json::parse(text, nullptr, false);
  if (object.is_discarded()) {
    return invalid(source, "not valid JSON");
  }
  return client_from_json(object, source);
}

Result<Client> parse_client_toml(std::string_view text, std::string_view source) {
  Result<toml::value> table = parse_toml(text, source);
  if (!table.ok()) {
    return invalid(source, "not valid TOML");
  }
  return client_from_json(toml_to_json(*table), source);
}

Result<ClientRegistry> ClientRegistry::load(const std::filesystem::path& folder) {
  ClientRegistry registry;
  std::error_code error;
  if (!std::filesystem::exists(folder, error)) {
    return registry;
  }

  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    std::string extension = entry.path().extension().string();
    if (entry.is_regular_file() && (extension == ".json" || extension == ".toml")) {
      files.push_back(entry.path());
    }
  }
  if (error) {
    return Status::io_error(folder.string() + ": cannot list the folder: " + error.message());
  }
  std::sort(files.begin(), files.end());

  for (const std::filesystem::path& file : files) {
    Result<std::string> text = read_small_file(file);
    if (!text.ok()) {
      return text.status();
    }
    Result<Client> client = file.extension() == ".json" ? parse_client_json(*text, file.string())
                                                        : parse_client_toml(*text, file.string());
    if (!client.ok()) {
      return client.status();
    }
    Status added = registry.add(std::move(*client));
    if (!added.ok()) {
      return added.with_context(file.string());
    }
  }
  return registry;
}

Status ClientRegistry::add(Client client) {
  std::string id = client.client_id;
  if (!clients_.emplace(id, std::move(client)).second) {
    return Status::already_exists("client_id " + id + " is registered twice");
  }
  return Status::ok_status();
}

const Client* ClientRegistry::find(std::string_view client_id) const {
  auto found = clients_.find(client_id);
  return found == clients_.end() ? nullptr : &found->second;
}

}  // namespace careid::federation::oidc
