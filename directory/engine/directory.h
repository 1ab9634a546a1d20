// Directory: the LDAP operations (RFC 4511 4.2-4.8) over the LMDB entry store, checked
// against the schema. The LDAP server, careidctl and the federation layer all go through
// it, so that every write is validated and indexed the same way.
//
// Threads. Reads (bind, search, read_entry) may run on any number of threads at once.
// Writes (add, modify, remove, import) block on the store's single writer lock and on the
// disk, so callers run them off I/O threads. Argon2 password checks in bind are CPU-heavy
// (tens of milliseconds) and belong off I/O threads too.
//
// Access control (first version): anyone, anonymous included, may read every entry except
// userPassword values, which only the root DN can read. Only the root DN may write.
// TODO: per-organisation ACLs; every non-root write is rejected with insufficientAccessRights.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/protocol/messages.h"
#include "directory/schema/schema.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

struct DirectoryOptions {
  std::filesystem::path store_folder;
  // Naming contexts held here, e.g. {"o=nhs"}. An entry is added without a parent only
  // when its DN is one of these.
  std::vector<std::string> suffixes = {"o=nhs"};
  std::string root_dn = "cn=admin,o=nhs";
  // {SSHA} or {ARGON2} hash; empty disables binds as root_dn.
  std::string root_password_hash;
  // Entries one search may return to a non-root client; 0 for no server limit.
  std::uint32_t size_limit = 500;
  std::vector<std::string> indexed_attributes = {"objectClass", "uid", "cn"};
  std::uint64_t map_size_bytes = std::uint64_t{16} << 30;
  bool sync = true;
};

// The authorization identity of a connection, set by a successful bind.
struct Identity {
  std::string dn;             // empty for anonymous
  std::string normalised_dn;
  bool is_root = false;
};

// Receives search results in order. Returning false stops the search (the client went
// away or abandoned it); the search then ends without a SearchResultDone.
using EntrySink = std::function<bool(protocol::SearchResultEntry&&)>;

struct ImportSummary {
  std::uint64_t added = 0;
  std::uint64_t skipped_existing = 0;
  std::uint64_t rejected = 0;
};

class Directory;

// Loads entries quickly, parents before children, as the root DN would add them, checked
// against the schema: the path careidctl uses for LDIF files and generated data. Use from
// one thread; destroy before the Directory.
class Importer {
 public:
  ~Importer();

  // Adds one entry. An entry that exists already is skipped and counted. An entry that
  // fails the schema check, or whose parent is missing, returns InvalidArgument naming its
  // DN and the reason, and the import can go on with the next entry.
  Status add(Entry entry);

  // Commits what is left and syncs the store.
  Result<ImportSummary> finish();

 private:
  friend class Directory;
  Importer(Directory& directory, storage::BulkLoader loader);

  Directory& directory_;
  storage::BulkLoader loader_;
  ImportSummary summary_;
  std::chrono::system_clock::time_point started_;
};

class Directory {
 public:
  // Opens (creating when needed) the store in options.store_folder.
  static Result<std::unique_ptr<Directory>> open(std::shared_ptr<const schema::Schema> schema,
                                                 DirectoryOptions options);
  ~Directory();

  // Simple bind (RFC 4511 4.2, RFC 4513 5.1). An empty name is anonymous; a name with an
  // empty password is an unauthenticated bind, which careid rejects with
  // unwillingToPerform (RFC 4513 5.1.2). Wrong DN or password is invalidCredentials with
  // no hint which. On success fills `identity`.
  protocol::LdapResult bind_simple(std::string_view dn, std::string_view password,
                                   Identity& identity) const;

  // Runs a search and passes each entry to `sink`; returns the SearchResultDone result.
  // The base "" with scope base returns the root DSE; "cn=Subschema" the subschema entry.
  protocol::LdapResult search(const protocol::SearchRequest& request, const Identity& identity,
                              const EntrySink& sink) const;

  // Compare (RFC 4511 4.10): compareTrue or compareFalse; noSuchAttribute when the entry
  // lacks the attribute; undefinedAttributeType for a type the schema does not define.
  protocol::LdapResult compare(const protocol::CompareRequest& request, const Identity& identity) const;

  protocol::LdapResult add(const protocol::AddRequest& request, const Identity& identity);
  protocol::LdapResult modify(const protocol::ModifyRequest& request, const Identity& identity);
  protocol::LdapResult remove(const protocol::DelRequest& request, const Identity& identity);

  // Starts a bulk load (see Importer). Other writers wait until it finishes.
  Result<std::unique_ptr<Importer>> begin_import();

  // Returns the entry named `dn` or std::nullopt; for careid's own components.
  Result<std::optional<Entry>> read_entry(std::string_view dn) const;

  // Returns the entries below `base` (whole subtree or one level) that match the RFC 4515
  // `filter`, with all user attributes; for careid's own components.
  Result<std::vector<Entry>> find(std::string_view base, bool one_level, std::string_view filter) const;

  const schema::Schema& schema() const { return *schema_; }

 private:
  Directory(std::shared_ptr<const schema::Schema> schema, DirectoryOptions options,
            std::unique_ptr<storage::EntryStore> store);

  friend class Importer;
  std::shared_ptr<const schema::Schema> schema_;
  DirectoryOptions options_;
  std::unique_ptr<storage::EntryStore> store_;
};

}  // namespace careid::directory::engine
