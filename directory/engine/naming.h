// DN and index-key helpers shared by the operations: they turn client text into the
// normalised keys the entry store compares byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "directory/dn/dn.h"
#include "directory/entry.h"
#include "directory/protocol/messages.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// A parsed DN with its normalised form.
struct NamedDn {
  dn::Dn dn;
  std::string normalised;
};

// Parses and normalises `text`. invalidDNSyntax for bad syntax or a value its attribute's
// syntax rejects; the diagnostic quotes the DN.
Result<NamedDn, protocol::LdapResult> name_dn(const schema::Schema& schema, std::string_view text);

// Returns the index keys of `entry` for the store's indexes (compute_index_keys in
// index_keys.h).
std::vector<storage::IndexKey> index_keys(const schema::Schema& schema,
                                          const storage::EntryStore& store, const Entry& entry);

// Returns the deepest existing superior of `name` as the client wrote it, for the
// matchedDN of noSuchObject (RFC 4511 4.1.9); empty when no superior exists.
std::string matched_dn(const schema::Schema& schema, const storage::Transaction& txn,
                       const dn::Dn& name);

// Normalises the DNs of stored entries as name_dn does. It keeps the normal form of up to
// kMaxParents parents, so entries under one parent normalise only their RDN. One thread only.
class EntryDnNormaliser {
 public:
  static constexpr std::size_t kMaxParents = 1024;

  explicit EntryDnNormaliser(const schema::Schema& schema) : schema_(schema) {}

  // Returns name_dn(schema, dn)->normalised, or `dn` unchanged when it does not parse.
  std::string normalise(std::string_view dn);

 private:
  std::string normalise_whole(std::string_view dn) const;

  const schema::Schema& schema_;
  std::unordered_map<std::string, std::string> parents_;  // parent as stored -> normal form
};

// Builds an LDAPResult; `diagnostic` goes to the client as diagnosticMessage.
protocol::LdapResult ldap_result(ResultCode code, std::string diagnostic = {},
                                 std::string matched = {});

// Logs a storage failure and maps it to a result for the client: unwillingToPerform when
// the store cannot grow (kResourceExhausted), other for a failed file read or write
// (kIoError, kPermissionDenied), else operationsError. The diagnostic names no path.
protocol::LdapResult storage_failure(const Status& status);

}  // namespace careid::directory::engine
