#include "directory/engine/naming.h"

#include <algorithm>

#include "base/log.h"
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

std::vector<storage::IndexKey> index_keys_for(const schema::Schema& schema,
                                              const std::vector<std::string>& indexed, const Entry& entry) {
  std::vector<storage::IndexKey> keys;
  for (const Attribute& attribute : entry.attributes) {
    std::string_view type_name = std::string_view(attribute.description).substr(0, attribute.description.find(';'));
    const schema::AttributeType* type = schema.find_attribute_type(type_name);
    if (type == nullptr) {
      continue;
    }
    bool is_indexed = std::any_of(indexed.begin(), indexed.end(),
                                  [&](const std::string& name) { return equals_ignore_case(name, type->name()); });
    if (!is_indexed) {
      continue;
    }
    for (const std::string& value : attribute.values) {
      auto key = schema::equality_key(schema, *type, value);
      if (key.ok()) {
        keys.push_back(storage::IndexKey{type->name(), std::move(*key)});
      }
    }
  }
  return keys;
}

std::vector<storage::IndexKey> index_keys(const schema::Schema& schema,
                                          const storage::EntryStore& store, const Entry& entry) {
  return index_keys_for(schema, store.indexed_attributes(), entry);
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
    return ldap_result(ResultCode::kUnwillingToPerform, "the directory store is full; ask the operator");
  }
  return ldap_result(ResultCode::kOperationsError, "internal error in the directory store");
}

}  // namespace careid::directory::engine
