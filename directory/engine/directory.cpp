#include "directory/engine/directory.h"

#include "base/log.h"
#include "directory/auth/password.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {

using protocol::LdapResult;

Directory::Directory(std::shared_ptr<const schema::Schema> schema, DirectoryOptions options,
                     std::unique_ptr<storage::EntryStore> store)
    : schema_(std::move(schema)), options_(std::move(options)), store_(std::move(store)) {}

Directory::~Directory() = default;

Result<std::unique_ptr<Directory>> Directory::open(std::shared_ptr<const schema::Schema> schema,
                                                   DirectoryOptions options) {
  storage::StoreOptions store_options;
  store_options.map_size_bytes = options.map_size_bytes;
  store_options.sync = options.sync;
  store_options.create_folder = true;
  for (const std::string& name : options.indexed_attributes) {
    const schema::AttributeType* type = schema->find_attribute_type(name);
    if (type == nullptr) {
      return Status::invalid_argument("indexed attribute '" + name + "' is not defined in the schema; "
                                      "remove it from ldap.indexed_attributes or add it to the schema");
    }
    store_options.indexed_attributes.push_back(type->name());
  }
  const schema::Schema* raw_schema = schema.get();
  const std::vector<std::string> indexed = store_options.indexed_attributes;
  store_options.rebuild_index_keys = [raw_schema, indexed](const Entry& entry) {
    return index_keys_for(*raw_schema, indexed, entry);
  };

  auto store = storage::EntryStore::open(options.store_folder, std::move(store_options));
  if (!store.ok()) {
    return store.status();
  }
  return std::unique_ptr<Directory>(new Directory(std::move(schema), std::move(options), std::move(*store)));
}

LdapResult Directory::bind_simple(std::string_view dn, std::string_view password, Identity& identity) const {
  if (dn.empty() && password.empty()) {
    identity = Identity{};
    return ldap_result(ResultCode::kSuccess);
  }
  if (password.empty()) {
    // RFC 4513 5.1.2: an unauthenticated bind would look like success to a careless client.
    return ldap_result(ResultCode::kUnwillingToPerform, "unauthenticated bind (DN with no password) is not allowed");
  }
  // Every failure gets the same result, so a client cannot tell a wrong DN from a wrong
  // password; the log says which.
  // TODO: rate-limit these lines; a client can trigger one per bind.
  auto reject = [&](std::string_view reason) {
    log::get("directory")->info("bind failed dn=\"{}\" reason={}", dn, reason);
    return ldap_result(ResultCode::kInvalidCredentials, "invalid DN or password");
  };
  auto name = name_dn(*schema_, dn);
  if (!name.ok()) {
    return reject("invalid_dn");
  }

  auto root = name_dn(*schema_, options_.root_dn);
  if (root.ok() && root->normalised == name->normalised) {
    if (options_.root_password_hash.empty() || !auth::verify_password(options_.root_password_hash, password)) {
      return reject("wrong_root_password");
    }
    identity = Identity{std::string(dn), name->normalised, true};
    return ldap_result(ResultCode::kSuccess);
  }

  auto entry = read_entry(dn);
  if (!entry.ok() || !entry->has_value()) {
    return reject("no_such_entry");
  }
  const Attribute* stored = (*entry)->find("userPassword");
  if (stored == nullptr) {
    return reject("no_password");
  }
  for (const std::string& value : stored->values) {
    Status problem;
    if (auth::verify_password(value, password, &problem)) {
      identity = Identity{std::string(dn), name->normalised, false};
      return ldap_result(ResultCode::kSuccess);
    }
    if (!problem.ok()) {
      log::get("directory")->warn("bind dn={} stored password not checkable: {}", dn, problem.to_string());
    }
  }
  return reject("wrong_password");
}

}  // namespace careid::directory::engine
