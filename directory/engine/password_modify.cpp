// Directory::modify_password: the Password Modify extended operation (RFC 3062).
#include <algorithm>

#include "base/log.h"
#include "directory/engine/access_checks.h"
#include "directory/engine/directory.h"
#include "directory/engine/naming.h"
#include "pki/digest.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;

// Length of a generated password: 20 characters from 62 carry about 119 bits.
constexpr std::size_t kGeneratedPasswordLength = 20;

// Returns a random password of letters and digits, or an empty string when the random
// generator fails.
std::string generate_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string password;
  while (password.size() < kGeneratedPasswordLength) {
    auto bytes = pki::random_bytes(64);
    if (!bytes.ok()) {
      return {};
    }
    for (auto byte : *bytes) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      const auto value = static_cast<unsigned char>(byte);
      if (value < 248 && password.size() < kGeneratedPasswordLength) {
        password += kAlphabet[value % kAlphabet.size()];
      }
    }
  }
  return password;
}

// The target DN as the client wrote it: userIdentity, which may carry the "dn:" authzId
// prefix (RFC 4513 5.2.1.8), or else the bound DN.
std::string target_text(const protocol::PasswordModifyRequest& request, const Identity& identity) {
  if (!request.user_identity.has_value()) {
    return identity.dn;
  }
  std::string_view text = *request.user_identity;
  if (text.starts_with("dn:")) {
    text.remove_prefix(3);
  }
  return std::string(text);
}

bool old_password_matches(const Entry& entry, std::string_view old_password) {
  const Attribute* stored = entry.find("userPassword");
  if (stored == nullptr) {
    return false;
  }
  return std::any_of(stored->values.begin(), stored->values.end(),
                     [&](const std::string& value) { return auth::verify_password(value, old_password); });
}

PasswordChange failure(ResultCode code, std::string diagnostic) {
  return PasswordChange{ldap_result(code, std::move(diagnostic)), std::nullopt};
}

// Setting a password needs write (add and delete) on the target's userPassword.
std::optional<LdapResult> check_password_access(const schema::Schema& schema, const storage::EntryStore& store,
                                                const access::Policy* policy, const Identity& identity,
                                                const NamedDn& target, const Entry& entry) {
  if (policy == nullptr) {
    return std::nullopt;
  }
  auto txn = store.begin_read();
  if (!txn.ok()) {
    return storage_failure(txn.status());
  }
  auto id = txn->find_id(target.normalised);
  const AccessGuard guard(schema, policy, identity, *txn);
  const access::Target checked =
      guard.target(*txn, id.ok() ? std::optional<storage::EntryId>(*id) : std::nullopt, entry, target.normalised);
  if (!guard.allows(checked, "userPassword", access::kAdd | access::kDelete)) {
    return guard.denied("password modify", entry.dn, "userPassword");
  }
  return std::nullopt;
}

}  // namespace

PasswordChange Directory::modify_password(const protocol::PasswordModifyRequest& request, const Identity& identity) {
  if (identity.dn.empty()) {
    return failure(ResultCode::kUnwillingToPerform, "bind before changing a password");
  }
  const std::string text = target_text(request, identity);
  auto target = name_dn(*schema_, text);
  if (!target.ok()) {
    return PasswordChange{target.error(), std::nullopt};
  }
  auto root = name_dn(*schema_, options_.root_dn);
  if (root.ok() && root->normalised == target->normalised) {
    return failure(ResultCode::kUnwillingToPerform,
                   "the root DN's password is set by ldap.root_password_hash in the configuration");
  }
  const bool is_self = target->normalised == identity.normalised_dn;
  if (!identity.is_root && !is_self && options_.access_policy == nullptr) {
    return failure(ResultCode::kInsufficientAccessRights, "only the directory administrator may change another user's password");
  }

  auto entry = read_entry(text);
  if (!entry.ok()) {
    return PasswordChange{storage_failure(entry.status()), std::nullopt};
  }
  if (!entry->has_value()) {
    return failure(ResultCode::kNoSuchObject, "no entry named '" + text + "'");
  }
  if (auto denied = check_password_access(*schema_, *store_, options_.access_policy.get(), identity, *target, **entry)) {
    return PasswordChange{std::move(*denied), std::nullopt};
  }
  // Users changing their own password prove they know it; a registration authority that
  // the policy lets set another user's password does not know the old one.
  if (!identity.is_root && is_self &&
      (!request.old_password.has_value() || !old_password_matches(**entry, *request.old_password))) {
    return failure(ResultCode::kInvalidCredentials, "send your current password to change it");
  }
  return store_password(text, request.new_password, identity);
}

PasswordChange Directory::store_password(const std::string& target, const std::optional<std::string>& new_password,
                                         const Identity& identity) {
  PasswordChange change;
  std::string password = new_password.value_or(std::string());
  if (!new_password.has_value()) {
    password = generate_password();
    change.generated_password = password;
  }
  if (password.empty()) {
    return failure(ResultCode::kUnwillingToPerform, "the new password is empty or could not be generated");
  }
  auto hashed = auth::hash_password(options_.password_scheme, password, options_.argon2);
  if (!hashed.ok()) {
    log::get("directory")->error("password modify dn={} hashing failed: {}", target, hashed.status().to_string());
    return failure(ResultCode::kOther, "hashing the new password failed");
  }

  protocol::ModifyRequest replace;
  replace.object = target;
  replace.changes.push_back({protocol::ModifyOperation::kReplace, {"userPassword", {std::move(*hashed)}}});
  // The caller was checked above; writing as root under the caller's DN keeps
  // modifiersName correct.
  const Identity writer{identity.dn, identity.normalised_dn, true};
  change.result = modify(replace, writer);
  if (change.result.result_code != ResultCode::kSuccess) {
    change.generated_password.reset();
  }
  return change;
}

}  // namespace careid::directory::engine
