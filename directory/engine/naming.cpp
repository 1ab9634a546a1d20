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
