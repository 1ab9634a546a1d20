// LdapClient: a synchronous LDAPv3 client over OpenLDAP's libldap, for careidctl's
// registration commands. Talking LDAP (rather than writing the store directly) means the
// directory's access control applies to the registration authority that runs them.
//
// Not thread-safe: one client per thread. Every call blocks until the server replies or
// the network timeout (LdapConnectOptions::timeout_seconds) passes.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"

namespace careid::provisioning::registration {

struct LdapConnectOptions {
  std::string url = "ldap://127.0.0.1:3389";
  // Simple bind (RFC 4513 5.1.3) as bind_dn with the first line of password_file. Empty
  // bind_dn and no certificate: anonymous.
  std::string bind_dn;
  std::filesystem::path password_file;
  // SASL EXTERNAL (RFC 4513 5.2.3) with this client certificate and key, for example a card
  // certificate. With an ldap:// URL the client sends StartTLS first.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  // CA that the server certificate must chain to; needed for TLS.
  std::filesystem::path ca_certificate;
  int timeout_seconds = 30;
};

enum class Scope { kBase, kOneLevel, kSubtree };

class LdapClient {
 public:
  // Connects and binds. Each error names the URL or DN. kInvalidArgument: a bad URL or
  // option. kIoError: the password file cannot be read. kUnavailable: the server cannot be
  // reached. kPermissionDenied: the bind is rejected.
  static Result<std::unique_ptr<LdapClient>> connect(const LdapConnectOptions& options);
  ~LdapClient();
  LdapClient(const LdapClient&) = delete;
  LdapClient& operator=(const LdapClient&) = delete;

  // Returns the entries found; an empty list when `base` does not exist. `attributes`
  // empty means all user attributes.
  Result<std::vector<directory::Entry>> search(std::string_view base, Scope scope, std::string_view filter,
                                               const std::vector<std::string>& attributes = {});
  // Returns the entry at `dn`, or std::nullopt when it does not exist.
  Result<std::optional<directory::Entry>> read(std::string_view dn);

  // Adds `entry`. Errors: kAlreadyExists, kPermissionDenied (insufficientAccessRights),
  // kNotFound (no parent), kInvalidArgument (schema violations), kUnavailable (connection
  // lost); each message has the DN and the server's diagnostic message.
  Status add(const directory::Entry& entry);
  // Replaces the values of `attribute` on `dn` (an empty list deletes the attribute).
  Status replace(std::string_view dn, std::string_view attribute, const std::vector<std::string>& values);

 private:
  struct Handle;
  explicit LdapClient(std::unique_ptr<Handle> handle, std::string url);
  Status error_status(int code, std::string_view action, std::string_view dn) const;

  std::unique_ptr<Handle> handle_;
  std::string url_;
};

}  // namespace careid::provisioning::registration
