#include "base/config.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <iterator>
#include <set>

#include <toml.hpp>

#include "base/toml_text.h"

namespace careid {
namespace {

namespace fs = std::filesystem;

// Reads one TOML table and remembers every key it looked at, so that a key no read() asks
// for (a typo such as "prot") is reported instead of being silently ignored.
class TableReader {
 public:
  TableReader(const toml::value& table, std::string prefix) : table_(table), prefix_(std::move(prefix)) {}

  Status read(const char* key, std::string& out) {
    return read_with(key, [&](const toml::value& v) { out = v.as_string().str; });
  }

  Status read(const char* key, bool& out) {
    return read_with(key, [&](const toml::value& v) { out = v.as_boolean(); });
  }

  Status read(const char* key, fs::path& out) {
    return read_with(key, [&](const toml::value& v) { out = fs::path(v.as_string().str); });
  }

  Status read(const char* key, std::vector<std::string>& out) {
    return read_with(key, [&](const toml::value& v) {
      out.clear();
      for (const auto& item : v.as_array()) {
        out.push_back(item.as_string().str);
      }
    });
  }

  // Reads a table whose values are lists of strings.
  Status read(const char* key, std::vector<std::pair<std::string, std::vector<std::string>>>& out) {
    return read_with(key, [&](const toml::value& v) {
      out.clear();
      for (const auto& [name, list] : v.as_table()) {
        std::vector<std::string> items;
        for (const auto& item : list.as_array()) {
          items.push_back(item.as_string().str);
        }
        out.emplace_back(name, std::move(items));
      }
    });
  }

  template <class Int>
  Status read_integer(const char* key, Int& out, int64_t min, int64_t max) {
    int64_t value = static_cast<int64_t>(out);
    CAREID_RETURN_IF_ERROR(read_with(key, [&](const toml::value& v) { value = v.as_integer(); }));
    if (value < min || value > max) {
      return Status::invalid_argument(name(key) + ": expected an integer from " + std::to_string(min) +
                                      " to " + std::to_string(max) + ", got " + std::to_string(value));
    }
    out = static_cast<Int>(value);
    return Status::ok_status();
  }

  // Calls `read_one` with a reader for each table of the array of tables `key`.
  template <class Fn>
  Status read_tables(const char* key, Fn&& read_one) {
    seen_.insert(key);
    if (!table_.is_table() || !table_.contains(key)) {
      return Status::ok_status();
    }
    const toml::value& list = table_.at(key);
    if (!list.is_array()) {
      return Status::invalid_argument(name(key) + ": expected [[" + name(key) + "]] tables");
    }
    for (std::size_t i = 0; i < list.as_array().size(); ++i) {
      const toml::value& item = list.as_array()[i];
      std::string item_name = name(key) + "[" + std::to_string(i) + "]";
      if (!item.is_table()) {
        return Status::invalid_argument(item_name + ": expected a table");
      }
      TableReader reader(item, item_name);
      CAREID_RETURN_IF_ERROR(read_one(reader));
      CAREID_RETURN_IF_ERROR(reader.check_unknown_keys());
    }
    return Status::ok_status();
  }

  const std::string& prefix() const { return prefix_; }

  // Reports the first key of the table that no read() asked for.
  Status check_unknown_keys() const {
    if (!table_.is_table()) {
      return Status::ok_status();
    }
    for (const auto& [key, value] : table_.as_table()) {
      if (!seen_.contains(key) && !value.is_table()) {
        return Status::invalid_argument(name(key.c_str()) + ": unknown key; check the spelling");
      }
    }
    return Status::ok_status();
  }

 private:
  std::string name(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  template <class Fn>
  Status read_with(const char* key, Fn&& assign) {
    seen_.insert(key);
    if (!table_.is_table() || !table_.contains(key)) {
      return Status::ok_status();
    }
    try {
      assign(table_.at(key));
    } catch (const std::exception&) {
      return Status::invalid_argument(name(key) + ": value has the wrong type; see the example in README.md");
    }
    return Status::ok_status();
  }

  const toml::value& table_;
  std::string prefix_;
  std::set<std::string> seen_;
};

const toml::value& section(const toml::value& root, const char* name) {
  static const toml::value empty = toml::table{};
  if (root.is_table() && root.contains(name) && root.at(name).is_table()) {
    return root.at(name);
  }
  return empty;
}

Status read_ldap(const toml::value& root, LdapConfig& ldap) {
  TableReader r(section(root, "ldap"), "ldap");
  CAREID_RETURN_IF_ERROR(r.read("listen_address", ldap.listen_address));
  CAREID_RETURN_IF_ERROR(r.read_integer("port", ldap.port, 1, 65535));
  CAREID_RETURN_IF_ERROR(r.read("suffix", ldap.suffix));
  CAREID_RETURN_IF_ERROR(r.read("root_dn", ldap.root_dn));
  CAREID_RETURN_IF_ERROR(r.read("root_password_hash", ldap.root_password_hash));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_pdu_bytes", ldap.max_pdu_bytes, 1024, int64_t{1} << 30));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_connections", ldap.max_connections, 1, 1000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("idle_timeout_seconds", ldap.idle_timeout_seconds, 0, 86400 * 7));
  CAREID_RETURN_IF_ERROR(r.read_integer("size_limit", ldap.size_limit, 0, int64_t{1} << 31));
  CAREID_RETURN_IF_ERROR(r.read("indexes", ldap.indexes));
  if (!ldap.indexes.empty() && !section(root, "ldap").contains("indexed_attributes")) {
    ldap.indexed_attributes.clear();
  }
  CAREID_RETURN_IF_ERROR(r.read("indexed_attributes", ldap.indexed_attributes));
  CAREID_RETURN_IF_ERROR(r.read_integer("threads", ldap.threads, 1, 256));
  CAREID_RETURN_IF_ERROR(r.read_integer("worker_threads", ldap.worker_threads, 1, 1024));
  CAREID_RETURN_IF_ERROR(r.read_integer("ldaps_port", ldap.ldaps_port, 0, 65535));
  CAREID_RETURN_IF_ERROR(r.read("tls_certificate", ldap.tls_certificate));
  CAREID_RETURN_IF_ERROR(r.read("tls_private_key", ldap.tls_private_key));
  CAREID_RETURN_IF_ERROR(r.read("tls_ca", ldap.tls_ca));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_outstanding_operations", ldap.max_outstanding_operations, 1, 10000));
  CAREID_RETURN_IF_ERROR(r.read_integer("write_timeout_seconds", ldap.write_timeout_seconds, 0, 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("inline_max_candidates", ldap.inline_max_candidates, 0, 100000));
  CAREID_RETURN_IF_ERROR(r.read("password_hash", ldap.password_hash));
  CAREID_RETURN_IF_ERROR(r.read_integer("password_argon2_memory_kib", ldap.password_argon2_memory_kib, 8, 1024 * 1024));
  CAREID_RETURN_IF_ERROR(r.read_integer("password_argon2_iterations", ldap.password_argon2_iterations, 1, 64));
  CAREID_RETURN_IF_ERROR(r.read_integer("time_limit_seconds", ldap.time_limit_seconds, 0, 86400));
  CAREID_RETURN_IF_ERROR(r.read("access_policy", ldap.access_policy));
  CAREID_RETURN_IF_ERROR(r.read_integer("lockout_failures", ldap.lockout_failures, 0, 1000));
  CAREID_RETURN_IF_ERROR(r.read_integer("lockout_seconds", ldap.lockout_seconds, 1, 86400 * 365));
  CAREID_RETURN_IF_ERROR(
      r.read_integer("group_commit_max_operations", ldap.group_commit_max_operations, 1, 10000));
  if (ldap.password_hash != "ARGON2" && ldap.password_hash != "SSHA256" && ldap.password_hash != "SSHA") {
    return Status::invalid_argument("ldap.password_hash: unknown scheme '" + ldap.password_hash +
                                    "'; use \"ARGON2\", \"SSHA256\" or \"SSHA\"");
  }
  if (ldap.ldaps_port != 0 && ldap.tls_certificate.empty()) {
    return Status::invalid_argument("ldap.ldaps_port: LDAPS needs ldap.tls_certificate; set it or set ldaps_port = 0");
  }
  return r.check_unknown_keys();
}

Status read_https(const toml::value& root, HttpsConfig& https) {
  TableReader r(section(root, "https"), "https");
  CAREID_RETURN_IF_ERROR(r.read("listen_address", https.listen_address));
  CAREID_RETURN_IF_ERROR(r.read_integer("port", https.port, 1, 65535));
  CAREID_RETURN_IF_ERROR(r.read("public_url", https.public_url));
  CAREID_RETURN_IF_ERROR(r.read("certificate", https.certificate));
  CAREID_RETURN_IF_ERROR(r.read("private_key", https.private_key));
  CAREID_RETURN_IF_ERROR(r.read("card_ca", https.card_ca));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_header_bytes", https.max_header_bytes, 1024, 1 << 20));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_body_bytes", https.max_body_bytes, 1024, 64 << 20));
  CAREID_RETURN_IF_ERROR(r.read_integer("request_timeout_seconds", https.request_timeout_seconds, 1, 3600));
  CAREID_RETURN_IF_ERROR(r.read_integer("handshake_timeout_seconds", https.handshake_timeout_seconds, 1, 3600));
  CAREID_RETURN_IF_ERROR(r.read_integer("threads", https.threads, 1, 256));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_connections", https.max_connections, 1, 1000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_handshakes", https.max_handshakes, 1, 1000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("listen_backlog", https.listen_backlog, 1, 65535));
  return r.check_unknown_keys();
}

Status read_metadata_source(TableReader& r, MetadataSourceConfig& source) {
  CAREID_RETURN_IF_ERROR(r.read("name", source.name));
  CAREID_RETURN_IF_ERROR(r.read("url", source.url));
  std::vector<std::string> certificates;
  CAREID_RETURN_IF_ERROR(r.read("signing_certificates", certificates));
  source.signing_certificates.assign(certificates.begin(), certificates.end());
  CAREID_RETURN_IF_ERROR(r.read_integer("refresh_interval_seconds", source.refresh_interval_seconds, 10, 7 * 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_cache_age_seconds", source.max_cache_age_seconds, 10, 366 * 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("timeout_seconds", source.timeout_seconds, 1, 600));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_bytes", source.max_bytes, 1024, int64_t{1} << 30));
  CAREID_RETURN_IF_ERROR(r.read("ca_file", source.ca_file));

  const std::string& at = r.prefix();
  bool good_name = !source.name.empty() && source.name.size() <= 64 &&
                   source.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                       std::string::npos;
  if (!good_name) {
    return Status::invalid_argument(at + ".name: expected 1 to 64 letters, digits, '-' or '_', got '" +
                                    source.name + "'");
  }
  if (source.url.rfind("https://", 0) != 0 && source.url.rfind("http://", 0) != 0) {
    return Status::invalid_argument(at + ".url: expected an http:// or https:// URL, got '" + source.url + "'");
  }
  if (source.signing_certificates.empty()) {
    return Status::invalid_argument(at + ".signing_certificates: list at least one PEM certificate of the "
                                         "federation's metadata signing key");
  }
  if (source.max_cache_age_seconds < source.refresh_interval_seconds) {
    return Status::invalid_argument(at + ".max_cache_age_seconds: must be at least refresh_interval_seconds (" +
                                    std::to_string(source.refresh_interval_seconds) + ")");
  }
  return Status::ok_status();
}

Status read_metadata_sources(TableReader& r, SamlConfig& saml) {
  CAREID_RETURN_IF_ERROR(r.read("metadata_cache_dir", saml.metadata_cache_dir));
  CAREID_RETURN_IF_ERROR(r.read_tables("metadata_sources", [&](TableReader& item) {
    MetadataSourceConfig source;
    CAREID_RETURN_IF_ERROR(read_metadata_source(item, source));
    for (const MetadataSourceConfig& other : saml.metadata_sources) {
      if (other.name == source.name) {
        return Status::invalid_argument(item.prefix() + ".name: '" + source.name +
                                        "' is used by another source; give each a unique name");
      }
    }
    saml.metadata_sources.push_back(std::move(source));
    return Status::ok_status();
  }));
  return Status::ok_status();
}

Status read_card_login(const toml::value& root, CardLoginConfig& card) {
  TableReader r(section(root, "card_login"), "card_login");
  CAREID_RETURN_IF_ERROR(r.read("mapping", card.mapping));
  CAREID_RETURN_IF_ERROR(r.read("san_type", card.san_type));
  CAREID_RETURN_IF_ERROR(r.read("directory_attribute", card.directory_attribute));
  CAREID_RETURN_IF_ERROR(r.read("certificate_match", card.certificate_match));
  if (card.mapping != "subject_cn" && card.mapping != "san" && card.mapping != "directory_certificate") {
    return Status::invalid_argument("card_login.mapping: unknown mapping '" + card.mapping +
                                    "'; use \"subject_cn\", \"san\" or \"directory_certificate\"");
  }
  if (card.san_type != "email" && card.san_type != "upn") {
    return Status::invalid_argument("card_login.san_type: unknown type '" + card.san_type +
                                    "'; use \"email\" (rfc822Name) or \"upn\" (otherName UPN)");
  }
  bool good_attribute = !card.directory_attribute.empty() && card.directory_attribute.size() <= 64 &&
                        std::isalpha(static_cast<unsigned char>(card.directory_attribute[0])) != 0 &&
                        card.directory_attribute.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == std::string::npos;
  if (!good_attribute) {
    return Status::invalid_argument("card_login.directory_attribute: '" + card.directory_attribute +
                                    "' is not an attribute type name such as \"mail\"");
  }
  if (card.certificate_match != "sha256" && card.certificate_match != "issuer_serial") {
    return Status::invalid_argument("card_login.certificate_match: unknown match '" + card.certificate_match +
                                    "'; use \"sha256\" or \"issuer_serial\"");
  }
  return r.check_unknown_keys();
}

Status read_saml(const toml::value& root, SamlConfig& saml) {
  TableReader r(section(root, "saml"), "saml");
  CAREID_RETURN_IF_ERROR(r.read("entity_id", saml.entity_id));
  CAREID_RETURN_IF_ERROR(r.read("signing_key", saml.signing_key));
  CAREID_RETURN_IF_ERROR(r.read("signing_certificate", saml.signing_certificate));
  std::vector<std::string> next_certificates;
  CAREID_RETURN_IF_ERROR(r.read("additional_signing_certificates", next_certificates));
  saml.additional_signing_certificates.assign(next_certificates.begin(), next_certificates.end());
  CAREID_RETURN_IF_ERROR(r.read("sp_metadata_dir", saml.sp_metadata_dir));
  CAREID_RETURN_IF_ERROR(r.read("persistent_id_secret", saml.persistent_id_secret));
  CAREID_RETURN_IF_ERROR(r.read_integer("assertion_lifetime_seconds", saml.assertion_lifetime_seconds, 10, 86400));
  CAREID_RETURN_IF_ERROR(r.read("require_signed_requests", saml.require_signed_requests));
  CAREID_RETURN_IF_ERROR(r.read("encrypt_assertions_for", saml.encrypt_assertions_for));
  CAREID_RETURN_IF_ERROR(r.read("never_encrypt_assertions_for", saml.never_encrypt_assertions_for));
  for (const std::string& entity_id : saml.encrypt_assertions_for) {
    const auto& never = saml.never_encrypt_assertions_for;
    if (std::find(never.begin(), never.end(), entity_id) != never.end()) {
      return Status::invalid_argument("saml: " + entity_id + " is in both encrypt_assertions_for "
                                      "and never_encrypt_assertions_for; keep it in one");
    }
  }
  CAREID_RETURN_IF_ERROR(r.read_integer("artifact_lifetime_seconds", saml.artifact_lifetime_seconds, 1, 600));
  CAREID_RETURN_IF_ERROR(r.read_integer("artifact_max_outstanding", saml.artifact_max_outstanding, 1, 10'000'000));
  CAREID_RETURN_IF_ERROR(r.read_integer("artifact_max_bytes", saml.artifact_max_bytes, 64 * 1024, int64_t{1} << 34));
  CAREID_RETURN_IF_ERROR(r.read("artifact_tls_client_auth_for", saml.artifact_tls_client_auth_for));
  CAREID_RETURN_IF_ERROR(read_metadata_sources(r, saml));
  return r.check_unknown_keys();
}

Status read_login(const toml::value& root, LoginConfig& login) {
  TableReader r(section(root, "login"), "login");
  CAREID_RETURN_IF_ERROR(r.read("password_fallback", login.password_fallback));
  CAREID_RETURN_IF_ERROR(r.read_integer("totp_window_steps", login.totp_window_steps, 0, 1));
  CAREID_RETURN_IF_ERROR(r.read("card_only_service_providers", login.card_only_service_providers));
  return r.check_unknown_keys();
}

Status read_session(const toml::value& root, SessionConfig& session) {
  TableReader r(section(root, "session"), "session");
  CAREID_RETURN_IF_ERROR(r.read_integer("idle_timeout_seconds", session.idle_timeout_seconds, 60, 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("absolute_timeout_seconds", session.absolute_timeout_seconds, 60, 7 * 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("role_choice_timeout_seconds", session.role_choice_timeout_seconds, 30, 3600));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_sessions", session.max_sessions, 1, 10000000));
  return r.check_unknown_keys();
}

Status read_oidc(const toml::value& root, OidcConfig& oidc) {
  TableReader r(section(root, "oidc"), "oidc");
  CAREID_RETURN_IF_ERROR(r.read("issuer", oidc.issuer));
  std::vector<std::string> keys;
  CAREID_RETURN_IF_ERROR(r.read("signing_keys", keys));
  if (!keys.empty()) {
    oidc.signing_keys.assign(keys.begin(), keys.end());
  }
  CAREID_RETURN_IF_ERROR(r.read("clients_dir", oidc.clients_dir));
  CAREID_RETURN_IF_ERROR(r.read_integer("code_lifetime_seconds", oidc.code_lifetime_seconds, 1, 600));
  CAREID_RETURN_IF_ERROR(r.read_integer("access_token_lifetime_seconds", oidc.access_token_lifetime_seconds, 10, 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("id_token_lifetime_seconds", oidc.id_token_lifetime_seconds, 10, 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_codes", oidc.max_codes, 1, 10000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_token_families", oidc.max_token_families, 1, 10000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_assertion_ids", oidc.max_assertion_ids, 1, 10000000));
  CAREID_RETURN_IF_ERROR(
      r.read_integer("backchannel_logout_timeout_seconds", oidc.backchannel_logout_timeout_seconds, 1, 60));
  return r.check_unknown_keys();
}

Status read_audit(const toml::value& root, AuditConfig& audit) {
  TableReader r(section(root, "audit"), "audit");
  CAREID_RETURN_IF_ERROR(r.read("file", audit.file));
  CAREID_RETURN_IF_ERROR(r.read("fsync", audit.fsync));
  CAREID_RETURN_IF_ERROR(r.read_integer("group_commit_ms", audit.group_commit_ms, 1, 10000));
  CAREID_RETURN_IF_ERROR(r.read_integer("queue_records", audit.queue_records, 1, 1000000));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_file_mib", audit.max_file_mib, 0, 1024 * 1024));
  CAREID_RETURN_IF_ERROR(r.read("hmac_key_file", audit.hmac_key_file));
  if (audit.fsync != "record" && audit.fsync != "group") {
    return Status::invalid_argument("audit.fsync: unknown policy '" + audit.fsync + "'; use \"record\" or \"group\"");
  }
  return r.check_unknown_keys();
}

Status read_pki(const toml::value& root, PkiConfig& pki) {
  TableReader r(section(root, "pki"), "pki");
  CAREID_RETURN_IF_ERROR(r.read("public_url", pki.public_url));
  CAREID_RETURN_IF_ERROR(r.read_integer("revocation_refresh_seconds", pki.revocation_refresh_seconds, 1, 86400));
  CAREID_RETURN_IF_ERROR(r.read_integer("crl_validity_seconds", pki.crl_validity_seconds, 60, 86400 * 366));
  CAREID_RETURN_IF_ERROR(r.read_integer("ocsp_cache_seconds", pki.ocsp_cache_seconds, 0, 86400));
  CAREID_RETURN_IF_ERROR(r.read("pkcs11_module", pki.pkcs11_module));
  return r.check_unknown_keys();
}

Status read_metrics(const toml::value& root, MetricsConfig& metrics) {
  TableReader r(section(root, "metrics"), "metrics");
  CAREID_RETURN_IF_ERROR(r.read("listen", metrics.listen));
  if (!metrics.listen.empty()) {
    const std::size_t colon = metrics.listen.rfind(':');
    const std::string port = colon == std::string::npos ? "" : metrics.listen.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (colon == 0 || !digits || std::stoul(port) > 65535) {
      return Status::invalid_argument("metrics.listen: expected \"ADDRESS:PORT\" such as \"127.0.0.1:9464\", got '" +
                                      metrics.listen + "'");
    }
  }
  return r.check_unknown_keys();
}

Status read_sus(const toml::value& root, const HttpsConfig& https, SusConfig& sus) {
  TableReader r(section(root, "sus"), "sus");
  CAREID_RETURN_IF_ERROR(r.read("store", sus.store));
  CAREID_RETURN_IF_ERROR(r.read("read_activities", sus.read_activities));
  CAREID_RETURN_IF_ERROR(r.read("submit_activities", sus.submit_activities));
  // Unset, the limit follows https.max_body_bytes down; set, it must fit within it.
  const std::size_t default_body_bytes = sus.max_body_bytes;
  CAREID_RETURN_IF_ERROR(r.read_integer("max_body_bytes", sus.max_body_bytes, 1024, int64_t{1} << 30));
  if (sus.max_body_bytes == default_body_bytes) {
    sus.max_body_bytes = std::min(sus.max_body_bytes, https.max_body_bytes);
  }
  CAREID_RETURN_IF_ERROR(r.read_integer("max_batch_spells", sus.max_batch_spells, 1, 10'000'000));
  CAREID_RETURN_IF_ERROR(r.read_integer("max_extract_spells", sus.max_extract_spells, 1, 100'000'000));
  CAREID_RETURN_IF_ERROR(r.read_integer("cache_seconds", sus.cache_seconds, 0, 86400));
  if (sus.max_body_bytes > https.max_body_bytes) {
    return Status::invalid_argument("sus.max_body_bytes (" + std::to_string(sus.max_body_bytes) +
                                    ") is larger than https.max_body_bytes (" + std::to_string(https.max_body_bytes) +
                                    "); raise https.max_body_bytes too");
  }
  return r.check_unknown_keys();
}

Status read_top_level(const toml::value& root, Config& config) {
  TableReader r(root, "");
  CAREID_RETURN_IF_ERROR(r.read("data_dir", config.data_dir));
  CAREID_RETURN_IF_ERROR(r.read("schema_dir", config.schema_dir));
  CAREID_RETURN_IF_ERROR(r.read_integer("map_size_mib", config.map_size_mib, 16, int64_t{1} << 22));
  CAREID_RETURN_IF_ERROR(r.read("log_level", config.log_level));
  CAREID_RETURN_IF_ERROR(r.read_integer("shutdown_timeout_seconds", config.shutdown_timeout_seconds, 0, 3600));
  return r.check_unknown_keys();
}

Status check_sections(const toml::value& root) {
  static const std::set<std::string> known = {"ldap",  "https", "saml", "card_login", "login",
                                              "session", "oidc", "audit", "pki", "metrics", "sus"};
  for (const auto& [key, value] : root.as_table()) {
    if (value.is_table() && !known.contains(key)) {
      return Status::invalid_argument("[" + key + "]: unknown section; expected ldap, https, saml, card_login, login, session, oidc, audit, pki, metrics or sus");
    }
  }
  return Status::ok_status();
}

// Joins a relative `path` to `base` and drops "." steps and a trailing slash, so that
// messages print "demo-data/store" rather than "demo-data/./store".
fs::path resolve(const fs::path& base, const fs::path& path) {
  if (path.is_absolute()) {
    return path;
  }

  fs::path joined = (base / path).lexically_normal();
  if (joined.filename().empty() && joined.has_parent_path()) {
    joined = joined.parent_path();
  }
  return joined;
}

void resolve_paths(Config& config, const fs::path& config_dir) {
  config.data_dir = resolve(config_dir, config.data_dir);
  if (!config.schema_dir.empty()) {
    config.schema_dir = resolve(config_dir, config.schema_dir);
  }
  if (!config.ldap.access_policy.empty()) {
    config.ldap.access_policy = resolve(config_dir, config.ldap.access_policy);
  }
  const fs::path& data = config.data_dir;
  if (!config.ldap.tls_certificate.empty()) {
    config.ldap.tls_certificate = resolve(data, config.ldap.tls_certificate);
    config.ldap.tls_private_key = resolve(data, config.ldap.tls_private_key);
    config.ldap.tls_ca = resolve(data, config.ldap.tls_ca);
  }
  config.https.certificate = resolve(data, config.https.certificate);
  config.https.private_key = resolve(data, config.https.private_key);
  config.https.card_ca = resolve(data, config.https.card_ca);
  config.saml.signing_key = resolve(data, config.saml.signing_key);
  config.saml.signing_certificate = resolve(data, config.saml.signing_certificate);
  for (fs::path& certificate : config.saml.additional_signing_certificates) {
    certificate = resolve(data, certificate);
  }
  config.saml.sp_metadata_dir = resolve(data, config.saml.sp_metadata_dir);
  config.saml.persistent_id_secret = resolve(data, config.saml.persistent_id_secret);
  config.saml.metadata_cache_dir = resolve(data, config.saml.metadata_cache_dir);
  for (MetadataSourceConfig& source : config.saml.metadata_sources) {
    for (fs::path& certificate : source.signing_certificates) {
      certificate = resolve(data, certificate);
    }
    if (!source.ca_file.empty()) {
      source.ca_file = resolve(data, source.ca_file);
    }
  }
  for (fs::path& key : config.oidc.signing_keys) {
    key = resolve(data, key);
  }
  config.oidc.clients_dir = resolve(data, config.oidc.clients_dir);
  // A connection URI such as postgresql://host/db is not a path.
  if (!config.sus.store.empty() && config.sus.store.find("://") == std::string::npos) {
    config.sus.store = resolve(data, config.sus.store).string();
  }
  if (!config.audit.file.empty()) {
    config.audit.file = resolve(data, config.audit.file);
  }
  if (!config.audit.hmac_key_file.empty()) {
    config.audit.hmac_key_file = resolve(data, config.audit.hmac_key_file);
  }
}

}  // namespace

std::string Config::public_url() const {
  if (!https.public_url.empty()) {
    return https.public_url;
  }
  return "https://" + https.listen_address + ":" + std::to_string(https.port);
}

std::string Config::pki_public_url() const {
  return pki.public_url.empty() ? public_url() : pki.public_url;
}

Config default_config(const fs::path& base_dir) {
  Config config;
  resolve_paths(config, base_dir);
  return config;
}

Result<Config> load_config(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::string text;
  if (file) {
    text.assign(std::istreambuf_iterator<char>(file), {});
  }
  if (!file.is_open() || file.bad()) {
    return Status::invalid_argument(path.string() +
                                    ": cannot read the file; check that it exists and is readable");
  }
  Result<toml::value> parsed = parse_toml(text, path.string());
  if (!parsed.ok()) {
    return Status::invalid_argument(path.string() + ": cannot parse the file: " + parsed.status().message());
  }
  toml::value root = std::move(*parsed);

  Config config;
  Status status = check_sections(root);
  if (status.ok()) status = read_top_level(root, config);
  if (status.ok()) status = read_ldap(root, config.ldap);
  if (status.ok()) status = read_https(root, config.https);
  if (status.ok()) status = read_saml(root, config.saml);
  if (status.ok()) status = read_card_login(root, config.card_login);
  if (status.ok()) status = read_login(root, config.login);
  if (status.ok()) status = read_session(root, config.session);
  if (status.ok()) status = read_oidc(root, config.oidc);
  if (status.ok()) status = read_audit(root, config.audit);
  if (status.ok()) status = read_pki(root, config.pki);
  if (status.ok()) status = read_metrics(root, config.metrics);
  if (status.ok()) status = read_sus(root, config.https, config.sus);
  if (!status.ok()) {
    return status.with_context(path.string());
  }

  resolve_paths(config, fs::absolute(path).parent_path());
  return config;
}

}  // namespace careid
