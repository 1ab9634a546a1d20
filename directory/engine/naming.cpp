#include "directory/engine/naming.h"

#include <algorithm>

#include "base/log.h"
#include "directory/engine/index_keys.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {

Result<NamedDn, protocol::LdapResult> name_dn(const schema::Schema& schema, std::string_view text) {
  auto parsed = dn::Dn::parse(text);
  if (!parsed.ok()) {
    return ldap_result(ResultCode::kInvalidDnSyntax,
                       "invalid DN '" + std::string(text) + "': " + parsed.status().message());
  }

  auto normalised = parsed->normalise(schema.dn_normaliser());
  if (!normalised.ok()) {
    return ldap_result(ResultCode::kInvalidDnSyntax,
                       "invalid DN '" + std::string(text) + "': " + normalised.status().message());
  }
  return NamedDn{std::move(*parsed), std::move(*normalised)};
}

namespace {

// The position of the comma that ends the first RDN of `dn` (RFC 4514 3), skipping escaped
// characters and quoted values, or npos when there is none.
std::size_t first_rdn_end(std::string_view dn) {
  bool quoted = false;
  for (std::size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\') {
      ++i;
    } else if (dn[i] == '"') {
      quoted = !quoted;
    } else if (dn[i] == ',' && !quoted) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string EntryDnNormaliser::normalise_whole(std::string_view dn) const {
  auto named = name_dn(schema_, dn);
  return named.ok() ? std::move(named->normalised) : std::string(dn);
}

std::string EntryDnNormaliser::normalise(std::string_view dn) {
  const std::size_t comma = first_rdn_end(dn);
  if (comma == std::string_view::npos || comma == 0 || comma + 1 == dn.size()) {
    return normalise_whole(dn);
  }

  auto rdn = name_dn(schema_, dn.substr(0, comma));
  if (!rdn.ok()) {
    return normalise_whole(dn);
  }
  const std::string parent_text(dn.substr(comma + 1));
  auto cached = parents_.find(parent_text);
  if (cached == parents_.end()) {
    auto parent = name_dn(schema_, parent_text);
    if (!parent.ok()) {
      return normalise_whole(dn);
    }
    if (parents_.size() >= kMaxParents) {
      parents_.clear();
    }
    cached = parents_.emplace(parent_text, std::move(parent->normalised)).first;
  }
  return rdn->normalised + "," + cached->second;
}

std::vector<storage::IndexKey> index_keys(const schema::Schema& schema,
                                          const storage::EntryStore& store, const Entry& entry) {
  return compute_index_keys(schema, store.indexes(), entry);
}

std::string matched_dn(const schema::Schema& schema, const storage::Transaction& txn, const dn::Dn& name) {
  dn::Dn superior = name.parent();
  while (!superior.is_root()) {
    auto normalised = superior.normalise(schema.dn_normaliser());
    if (normalised.ok() && txn.find_id(*normalised).ok()) {
      return superior.to_string();
    }
    superior = superior.parent();
  }
  return {};
}

protocol::LdapResult ldap_result(ResultCode code, std::string diagnostic, std::string matched) {
  protocol::LdapResult result;
  result.result_code = code;
  result.diagnostic_message = std::move(diagnostic);
  result.matched_dn = std::move(matched);
  return result;
}

protocol::LdapResult storage_failure(const Status& status) {
  log::get("directory")->error("store operation failed: {}", status.to_string());
  if (status.code() == StatusCode::kResourceExhausted) {
    return ldap_result(ResultCode::kUnwillingToPerform,
                       "the directory store is full (map_size_mib reached, disk full or file size limit); "
                       "reads still work, and the server log names what the operator must raise");
  }
  if (status.code() == StatusCode::kIoError || status.code() == StatusCode::kPermissionDenied) {
    return ldap_result(ResultCode::kOther,
                       "the directory store could not read or write its files; the server log names "
                       "the folder and the error");
  }
  return ldap_result(ResultCode::kOperationsError, "internal error in the directory store");
}

}  // namespace careid::directory::engine
