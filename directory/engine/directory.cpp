#include "directory/engine/directory.h"

#include <algorithm>

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "directory/auth/password.h"
#include "directory/engine/access_checks.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/index_keys.h"
#include "directory/engine/lockout.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {

using protocol::LdapResult;

Directory::Directory(std::shared_ptr<const schema::Schema> schema, DirectoryOptions options,
                     std::unique_ptr<storage::EntryStore> store)
    : schema_(std::move(schema)),
      options_(std::move(options)),
      store_(std::move(store)),
      writes_(std::make_unique<WriteGroup>(*store_, options_.group_commit_max_operations)) {
  auto root = name_dn(*schema_, options_.root_dn);
  if (root.ok()) {
    root_normalised_ = std::move(root->normalised);
  }
}

Directory::~Directory() = default;

Result<std::unique_ptr<Directory>> Directory::open(std::shared_ptr<const schema::Schema> schema,
                                                   DirectoryOptions options) {
  storage::StoreOptions store_options;
  store_options.map_size_bytes = options.map_size_bytes;
  store_options.sync = options.sync;
  store_options.create_folder = true;
  CAREID_RETURN_IF_ERROR(
      configure_store_indexes(*schema, options.indexed_attributes, options.indexes, store_options));

  auto store = storage::EntryStore::open(options.store_folder, std::move(store_options));
  if (!store.ok()) {
    return store.status();
  }
  return std::unique_ptr<Directory>(new Directory(std::move(schema), std::move(options), std::move(*store)));
}

namespace {

// Argon2 takes tens of milliseconds per check, so it stays off the LDAP I/O threads.
bool is_slow_hash(std::string_view stored) {
  const std::size_t close = stored.find('}');
  if (!stored.starts_with('{') || close == std::string_view::npos) {
    return false;
  }
  return auth::parse_scheme(stored.substr(1, close - 1)) == auth::PasswordScheme::kArgon2;
}

bool has_slow_hash(const Attribute& passwords) {
  return std::any_of(passwords.values.begin(), passwords.values.end(),
                     [](const std::string& value) { return is_slow_hash(value); });
}

}  // namespace

LdapResult Directory::bind_simple(std::string_view dn, std::string_view password, Identity& identity) const {
  return *bind_simple_bounded(dn, password, identity, false);
}

std::optional<LdapResult> Directory::bind_simple_if_cheap(std::string_view dn, std::string_view password,
                                                          Identity& identity) const {
  return bind_simple_bounded(dn, password, identity, true);
}

std::optional<LdapResult> Directory::bind_simple_bounded(std::string_view dn, std::string_view password,
                                                         Identity& identity, bool cheap_only) const {
  if (dn.empty() && password.empty()) {
    identity = Identity{};
    return ldap_result(ResultCode::kSuccess);
  }
  if (password.empty()) {
    // RFC 4513 5.1.2: an unauthenticated bind would look like success to a careless client.
    return ldap_result(ResultCode::kUnwillingToPerform, "unauthenticated bind (DN with no password) is not allowed");
  }
  // Every failure gets the same result, so a client cannot tell a wrong DN from a wrong
  // password. The log line records which, rate-limited per reason because a client can
  // trigger one line per bind.
  static log::RateLimitedLog failure_log(log::get("directory"));
  auto reject = [&](std::string_view reason) {
    failure_log.info(reason, "bind failed dn=\"{}\" reason={}", dn, reason);
    return ldap_result(ResultCode::kInvalidCredentials, "invalid DN or password");
  };
  auto name = name_dn(*schema_, dn);
  if (!name.ok()) {
    return reject("invalid_dn");
  }

  if (root_normalised_.has_value() && *root_normalised_ == name->normalised) {
    if (cheap_only && is_slow_hash(options_.root_password_hash)) {
      return std::nullopt;
    }
    if (options_.root_password_hash.empty() || !auth::verify_password(options_.root_password_hash, password)) {
      return reject("wrong_root_password");
    }
    identity = Identity{std::string(dn), name->normalised, true};
    return ldap_result(ResultCode::kSuccess);
  }

  bool may_authenticate = false;
  auto entry = read_bind_entry(name->normalised, may_authenticate);
  if (!entry.has_value()) {
    return reject("no_such_entry");
  }
  const auto now = std::chrono::system_clock::now();
  if (auto until = locked_until(*entry, options_, now)) {
    failure_log.info("locked", "bind failed dn=\"{}\" reason=locked", dn);
    return ldap_result(ResultCode::kInvalidCredentials, "the account is locked after repeated failed binds until " +
                                                            generalized_time_utc(*until) +
                                                            "; ask the directory administrator to unlock it");
  }
  if (!may_authenticate) {
    return reject("no_auth_access");
  }
  const Attribute* stored = entry->find("userPassword");
  if (stored == nullptr) {
    return reject("no_password");
  }
  if (cheap_only && has_slow_hash(*stored)) {
    return std::nullopt;
  }
  for (const std::string& value : stored->values) {
    Status problem;
    if (auth::verify_password(value, password, &problem)) {
      if (cheap_only && has_bind_failures(*entry)) {
        return std::nullopt;
      }
      clear_bind_failures(*schema_, *store_, *entry, name->normalised);
      identity = Identity{std::string(dn), name->normalised, false};
      identity.subject = gather_subject(identity);
      return ldap_result(ResultCode::kSuccess);
    }
    if (!problem.ok() && !cheap_only) {
      log::get("directory")->warn("bind dn={} stored password not checkable: {}", dn, problem.to_string());
    }
  }
  if (cheap_only) {
    return std::nullopt;  // the failure is recorded by bind_simple() on a worker
  }
  if (auto until = record_bind_failure(*schema_, *store_, options_, name->normalised, now)) {
    log::get("directory")->warn("bind dn=\"{}\" locked until {} after {} failed binds", dn,
                                generalized_time_utc(*until), options_.lockout_failures);
    if (options_.on_lockout) {
      options_.on_lockout(dn, *until);
    }
  }
  return reject("wrong_password");
}

void Directory::record_authentication_failure(std::string_view dn) const {
  auto name = name_dn(*schema_, dn);
  if (!name.ok()) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  if (auto until = record_bind_failure(*schema_, *store_, options_, name->normalised, now)) {
    log::get("directory")->warn("login dn=\"{}\" locked until {} after {} failures", dn,
                                generalized_time_utc(*until), options_.lockout_failures);
    if (options_.on_lockout) {
      options_.on_lockout(dn, *until);
    }
  }
}

// Reads the entry and checks, in the same read transaction, that the anonymous subject
// that is binding has auth access to its userPassword. Returns nullopt when the entry is
// missing or cannot be read.
std::optional<Entry> Directory::read_bind_entry(const std::string& normalised_dn, bool& may_authenticate) const {
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return std::nullopt;
  }
  auto id = txn->find_id(normalised_dn);
  if (!id.ok()) {
    return std::nullopt;
  }
  auto entry = txn->get(*id);
  if (!entry.ok()) {
    return std::nullopt;
  }

  may_authenticate = true;
  if (options_.access_policy != nullptr) {
    const AccessGuard guard(*schema_, options_.access_policy.get(), Identity{}, *txn);
    const access::Target target = guard.target(*txn, *id, *entry, normalised_dn);
    may_authenticate = guard.allows(target, "userPassword", access::kAuth);
  }
  return std::move(*entry);
}

std::shared_ptr<const access::Subject> Directory::gather_subject(const Identity& identity) const {
  if (options_.access_policy == nullptr) {
    return nullptr;
  }
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return nullptr;  // each operation then gathers the facts itself
  }
  return describe_subject(*schema_, *txn, identity, uses_activities(*options_.access_policy));
}

}  // namespace careid::directory::engine
