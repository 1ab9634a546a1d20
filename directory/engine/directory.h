// Directory: the LDAP operations (RFC 4511 4.2-4.8) over the LMDB entry store, checked
// against the schema. The LDAP server, careidctl and the federation layer all go through
// it, so that every write is validated and indexed the same way.
//
// Threads. Reads (bind, search, read_entry) may run on any number of threads at once.
// Writes (add, modify, remove, import) block on the store's single writer lock and on the
// disk, so callers run them off I/O threads. Argon2 password checks in bind are CPU-heavy
// (tens of milliseconds) and belong off I/O threads too.
//
// Access control. With DirectoryOptions::access_policy set, every operation is checked
// against it (access/policy.h, engine/access_checks.h): bind, search (entries, attributes
// and the filter), compare, add, modify per attribute, delete, modify DN and Password
// Modify. Without one, anyone may read every entry except userPassword values and only the
// root DN may write. The root DN bypasses the policy, but no one reads userPassword.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "directory/access/policy.h"
#include "directory/auth/password.h"
#include "directory/entry.h"
#include "directory/protocol/controls.h"
#include "directory/protocol/messages.h"
#include "directory/schema/schema.h"
#include "directory/engine/write_group.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::engine {

// The controls of an update that test or read its target entry: the assertion (RFC 4528)
// and pre-read and post-read (RFC 4527). The engine evaluates them in the update's own
// write transaction, so what they report is the entry the update changed, whatever other
// writers do at the same time. The read entries are set only when the update succeeds and
// the identity may read the entry.
struct TargetControls {
  const protocol::Filter* assertion = nullptr;
  const std::vector<std::string>* pre_read = nullptr;   // attribute list, as a search's
  const std::vector<std::string>* post_read = nullptr;  // attribute list, as a search's
  std::optional<protocol::SearchResultEntry> pre_read_entry;
  std::optional<protocol::SearchResultEntry> post_read_entry;
};

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
  // Seconds one search by a non-root client may run; 0 for no server limit.
  std::uint32_t time_limit_seconds = 0;
  // How Password Modify (RFC 3062) hashes the userPassword values it writes.
  auth::PasswordScheme password_scheme = auth::PasswordScheme::kArgon2;
  auth::Argon2Params argon2 = {.memory_kib = 19456, .iterations = 2};
  // Attributes with an equality and presence index, and attributes with the index kinds
  // listed (index_keys.h describes what each kind stores).
  std::vector<std::string> indexed_attributes = {"objectClass", "uid", "cn"};
  std::vector<storage::AttributeIndex> indexes;
  std::uint64_t map_size_bytes = std::uint64_t{16} << 30;
  bool sync = true;
  // Group commit (write_group.h): the maximum number of add, modify, delete, modify DN and
  // Password Modify operations that share one write transaction and one sync. 1 commits
  // each operation alone. Lockout writes from failed binds always commit alone.
  std::size_t group_commit_max_operations = 64;
  // The LDAP listener offers TLS, so the root DSE lists StartTLS and SASL EXTERNAL.
  bool tls_enabled = false;
  // The access policy; null keeps the rule described at the top of this file.
  std::shared_ptr<const access::Policy> access_policy;
  // Password policy for simple binds (lockout.h): this many failed binds within
  // lockout_seconds lock the entry for lockout_seconds. 0 failures disables lockout.
  std::uint32_t lockout_failures = 5;
  std::uint32_t lockout_seconds = 900;
  // Called after a failed simple bind locks an entry; for the audit trail. Runs on the
  // bind's worker thread and must not call back into the Directory.
  std::function<void(std::string_view dn, std::chrono::system_clock::time_point locked_until)> on_lockout;
};

// The authorization identity of a connection, set by a successful bind.
struct Identity {
  std::string dn;             // empty for anonymous
  std::string normalised_dn;
  bool is_root = false;
  // Facts for access checks (groups, role profiles), gathered by bind_simple; null means
  // each operation gathers them itself.
  std::shared_ptr<const access::Subject> subject = nullptr;
};

// Receives search results in order. Returning false stops the search (the client went
// away or abandoned it); the search then ends without a SearchResultDone.
using EntrySink = std::function<bool(protocol::SearchResultEntry&&)>;

struct ImportSummary {
  std::uint64_t added = 0;
  std::uint64_t skipped_existing = 0;
  std::uint64_t rejected = 0;
};

// The outcome of Directory::rebuild_indexes: entries read, and (key, id) records per attribute
// with its index kinds as index_kinds_text writes them.
struct ReindexSummary {
  std::uint64_t entries = 0;
  struct AttributeCount {
    std::string attribute;
    std::string kinds;
    std::uint64_t records = 0;
  };
  std::vector<AttributeCount> attributes;
};

// The results of a search held in memory, for sorting (RFC 2891) and paging (RFC 2696).
struct CollectedSearch {
  protocol::LdapResult result;
  std::vector<protocol::SearchResultEntry> entries;
  // With sort keys: the sortResult code (RFC 2891 1.2) and the attribute type at fault.
  std::optional<ResultCode> sort_result;
  std::string sort_attribute;
};

// The outcome of Password Modify (RFC 3062).
struct PasswordChange {
  protocol::LdapResult result;
  std::optional<std::string> generated_password;  // set when the request had no new password
};

class Directory;
struct PreparedEntry;
namespace detail {
class PrepareWorkers;
struct ImportBatch;
}  // namespace detail

// Makes one entry for Importer::add, e.g. by parsing an LDIF record.
using EntrySource = std::function<Result<Entry>()>;

struct ImportOptions {
  // Threads of the import, the calling thread included. Above 1, the others (prepare
  // threads) check entries against the schema and compute their index keys while the
  // calling thread adds them to the store. 1 does all the work on the calling thread, and
  // 0 uses one thread per hardware thread.
  unsigned threads = 1;
};

// Loads entries quickly, parents before children, as the root DN would add them, checked
// against the schema: the path careidctl uses for LDIF files and generated data. Use from
// one thread; destroy before the Directory.
//
// With prepare threads, add() queues entries in batches of kBatchEntries, and an entry's
// error comes from a later add(), flush() or finish(). Entries still reach the store in
// the order they were added, and the first failing entry stops the import: every later
// call returns its error. Destroying the Importer stops the threads.
class Importer {
 public:
  ~Importer();

  // Adds one entry. An entry that exists already is skipped and counted. An entry that
  // fails the schema check, or whose parent is missing, returns InvalidArgument naming its
  // DN and the reason. With one prepare thread the import can go on with the next entry.
  Status add(Entry entry);

  // Adds the entry `source` returns, as add() does. With prepare threads, `source` runs on
  // one of them (so it must not share unsynchronised state with the caller), and its error
  // stops the import at its place in the input order, as a rejected entry does.
  Status add(EntrySource source);

  // Waits until every entry added so far is in the store's current batch, and returns
  // the first error among them. Call it before reporting an error of the input itself, so
  // that an earlier rejected entry is reported first, as a serial load would.
  Status flush();

  // Commits what is left and syncs the store, then sets memberOf on the members of every
  // group this import added, as an LDAP add would (groups.h), in write transactions of
  // at most kMemberOfGroupsPerCommit groups.
  Result<ImportSummary> finish();

  static constexpr std::size_t kMemberOfGroupsPerCommit = 1000;
  // Entries per batch handed to a prepare thread, and the maximum of batches outstanding
  // per prepare thread, which bounds the memory of a load.
  static constexpr std::size_t kBatchEntries = 512;
  static constexpr std::size_t kMaxQueuedBatchesPerThread = 4;

 private:
  friend class Directory;
  Importer(Directory& directory, storage::BulkLoader loader, unsigned threads);

  // The schema work of add(): reads the Directory only, so prepare threads may run it at
  // the same time.
  PreparedEntry prepare(Entry entry) const;
  // The store work of add(), on the calling thread in input order.
  Status store(PreparedEntry& prepared);
  Status queue(std::variant<Entry, EntrySource> input);
  Status store_ready_batches(bool wait_for_one);
  Status store_batch(detail::ImportBatch& batch);
  Status set_member_of();
  Result<storage::EntryId> find_parent(std::string_view normalised_dn);

  Directory& directory_;
  storage::BulkLoader loader_;
  ImportSummary summary_;
  std::chrono::system_clock::time_point started_;
  std::vector<std::string> normalised_suffixes_;
  std::vector<std::string> added_groups_;  // DNs of the groups added, for finish()
  std::string last_parent_dn_;             // normalised
  storage::EntryId last_parent_id_ = storage::kNoParent;

  // Set with more than one prepare thread.
  std::unique_ptr<detail::PrepareWorkers> workers_;
  std::size_t max_queued_batches_ = 0;
  std::unique_ptr<detail::ImportBatch> filling_;  // entries not yet submitted
  Status failure_;                                // the first error, which stops the import
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

  // Runs a simple bind like bind_simple() when it needs no slow hash and writes nothing.
  // Returns std::nullopt, before any write or log line, when the stored password (or the
  // root password hash) is {ARGON2}, when the password is wrong (the failure counts toward
  // lockout) and when a successful bind would clear recorded failures. The caller then runs
  // bind_simple() on a worker thread.
  std::optional<protocol::LdapResult> bind_simple_if_cheap(std::string_view dn, std::string_view password,
                                                           Identity& identity) const;

  // Counts a failed login other than a simple bind (careidd's TOTP code check) toward the
  // lockout of entry `dn`, as a wrong password does. Storage errors are logged.
  void record_authentication_failure(std::string_view dn) const;

  // Runs a search and passes each entry to `sink`; returns the SearchResultDone result.
  // The base "" with scope base returns the root DSE; "cn=Subschema" the subschema entry.
  protocol::LdapResult search(const protocol::SearchRequest& request, const Identity& identity,
                              const EntrySink& sink) const;

  // Runs `request` like search() when it reads few entries: a base-scope search, the root
  // DSE or subschema entry, a one-level or subtree scope of at most 16 entries, or an index
  // plan of at most `max_candidates` ids. Otherwise returns std::nullopt before it calls
  // `sink`, and the caller runs search() instead. The LDAP server uses it to run cheap
  // searches on its I/O thread.
  // The decision counts the index lists first (estimate_candidates), so it reads no list
  // when the shortest one is longer than `max_candidates`.
  std::optional<protocol::LdapResult> search_if_cheap(const protocol::SearchRequest& request,
                                                      const Identity& identity, const EntrySink& sink,
                                                      std::size_t max_candidates) const;

  // Runs `request` like search() and collects its results in memory, sorted by
  // `sort_keys` when there are any (RFC 2891). An attribute type the schema does not define
  // sets sort_result to noSuchAttribute, and one with no usable ordering rule
  // (sorted_search.cpp lists which rules count) sets inappropriateMatching; the entries then
  // stay unsorted, and the caller decides whether a critical sort control rejects the search.
  // Entries without a key attribute sort after all others. More than `max_entries` results
  // give adminLimitExceeded and an empty list.
  CollectedSearch search_collected(const protocol::SearchRequest& request, const Identity& identity,
                                   const std::vector<protocol::SortKey>& sort_keys,
                                   std::size_t max_entries) const;

  // Compare (RFC 4511 4.10): compareTrue or compareFalse; noSuchAttribute when the entry
  // lacks the attribute; undefinedAttributeType for a type the schema does not define.
  // With `assertion` (RFC 4528), tests it in the same read transaction first.
  protocol::LdapResult compare(const protocol::CompareRequest& request, const Identity& identity,
                               const protocol::Filter* assertion = nullptr) const;

  // Add, modify and delete. `controls`, when given, are evaluated in the same write
  // transaction (TargetControls). An add has no entry before it, so the caller tests an
  // add's assertion against the request.
  protocol::LdapResult add(const protocol::AddRequest& request, const Identity& identity,
                           TargetControls* controls = nullptr);
  protocol::LdapResult modify(const protocol::ModifyRequest& request, const Identity& identity,
                              TargetControls* controls = nullptr);
  protocol::LdapResult remove(const protocol::DelRequest& request, const Identity& identity,
                              TargetControls* controls = nullptr);

  // Modify DN (RFC 4511 4.9): renames the entry, moves it with its subtree under
  // newSuperior, or both, keeping entry ids. Errors:
  //   noSuchObject          the entry or the new superior is missing
  //   entryAlreadyExists    the new DN is taken
  //   invalidDNSyntax       newrdn is not one RDN
  //   namingViolation       the newrdn attribute is unknown, operational or has no equality rule
  //   objectClassViolation  the entry's classes do not allow the newrdn attribute
  //   affectsMultipleDSAs   the new DN is outside the naming contexts, or a naming context
  //                         would become an ordinary entry
  //   unwillingToPerform    the new superior is the entry or below it
  // TODO: DN-valued attributes elsewhere (member, seeAlso) still name the old DN.
  protocol::LdapResult modify_dn(const protocol::ModifyDnRequest& request, const Identity& identity,
                                 TargetControls* controls = nullptr);

  // Deletes `request.entry` and every entry below it, deepest first, each through remove()
  // (the subtree delete control). Not atomic: when one delete fails, the entries already
  // deleted stay deleted and the result names the entry that failed. `controls` are
  // evaluated on `request.entry` before the first delete.
  protocol::LdapResult remove_subtree(const protocol::DelRequest& request, const Identity& identity,
                                      TargetControls* controls = nullptr);

  // Rewrites `request` for the permissive modify control: values an add would duplicate
  // and values or attributes a delete would not find are dropped, so that the modify
  // succeeds where it would have returned attributeOrValueExists or noSuchAttribute.
  // Reads the entry in its own transaction, so a concurrent writer can still make the
  // modify fail with those codes. A missing entry leaves the request unchanged.
  protocol::ModifyRequest make_permissive(const protocol::ModifyRequest& request) const;

  // Password Modify (RFC 3062). The target is `user_identity` (a DN) or else the bound
  // user. The root DN may change any password without the old one; another user may change
  // only their own, and must send the correct old password. With no new password, a random
  // one is generated and returned. The value is hashed with options.password_scheme.
  // Errors:
  //   unwillingToPerform        anonymous caller, or the target is the root DN
  //   insufficientAccessRights  a non-root caller names another user's entry
  //   invalidCredentials        a non-root caller sent no old password or a wrong one
  //   noSuchObject              the target entry is missing
  PasswordChange modify_password(const protocol::PasswordModifyRequest& request, const Identity& identity);

  // Starts a bulk load (see Importer). Other writers wait until it finishes.
  Result<std::unique_ptr<Importer>> begin_import(ImportOptions options = {});

  // Rebuilds every index from the stored entries in one write transaction (reindex.cpp).
  Result<ReindexSummary> rebuild_indexes();

  // Checks the store's records against each other and against the index keys the schema
  // gives each entry now (storage::EntryStore::check, reindex.cpp). Safe while other
  // threads or processes write, because it reads one snapshot.
  Result<storage::StoreCheckReport> check_store(const storage::StoreCheckOptions& options = {}) const;

  // Returns the entry named `dn` or std::nullopt; for careid's own components.
  Result<std::optional<Entry>> read_entry(std::string_view dn) const;

  // Returns `entry` as `identity` may read it, with the attributes that `attributes`
  // selects as a search's attribute list does, for the pre-read and post-read controls
  // (RFC 4527 3.1 and 5: the client must be authorised to read what they return). Attributes the
  // identity may not read are left out. Returns std::nullopt when it may not read the
  // entry at all or the store cannot be read (read_entry_controls.cpp).
  std::optional<protocol::SearchResultEntry> entry_as_read_by(Entry entry,
                                                              const std::vector<std::string>& attributes,
                                                              const Identity& identity) const;

  // Evaluates the assertion control's filter on the stored `entry` with the access rules
  // of a search by `identity`, because an assertion can reveal directory content (RFC
  // 4528 4).
  // An attribute the identity may not search is Undefined, so the assertion fails.
  // kEntryHidden means the identity may not know the entry exists, so the operation should
  // report it as missing, as it would without the control. A store that cannot be read
  // gives kFails.
  enum class AssertionOutcome { kHolds, kFails, kEntryHidden };
  AssertionOutcome check_assertion(const protocol::Filter& assertion, const Entry& entry,
                                   const Identity& identity) const;

  // Returns the entries below `base` (whole subtree or one level) that match the RFC 4515
  // `filter`, with all user attributes; for careid's own components.
  Result<std::vector<Entry>> find(std::string_view base, bool one_level, std::string_view filter) const;

  const schema::Schema& schema() const { return *schema_; }

  // Returns the LMDB map size, pages in use and readers, for metrics. Thread-safe.
  Result<storage::StoreStatistics> store_statistics() const { return store_->statistics(); }

  // Returns the operations and transactions of group commit so far, for metrics.
  // Thread-safe.
  WriteGroupStatistics write_statistics() const { return writes_->statistics(); }

 private:
  Directory(std::shared_ptr<const schema::Schema> schema, DirectoryOptions options,
            std::unique_ptr<storage::EntryStore> store);

  // search() and search_if_cheap(): with `max_candidates`, returns std::nullopt for a
  // search that reads more entries (search.cpp).
  std::optional<protocol::LdapResult> search_bounded(const protocol::SearchRequest& request,
                                                     const Identity& identity, const EntrySink& sink,
                                                     std::optional<std::size_t> max_candidates) const;
  // bind_simple() and bind_simple_if_cheap(): with `cheap_only`, returns std::nullopt
  // where the bind would hash slowly or write (directory.cpp).
  std::optional<protocol::LdapResult> bind_simple_bounded(std::string_view dn, std::string_view password,
                                                          Identity& identity, bool cheap_only) const;

  // Access checks of bind_simple (directory.cpp).
  std::optional<Entry> read_bind_entry(const std::string& normalised_dn, bool& may_authenticate) const;
  std::shared_ptr<const access::Subject> gather_subject(const Identity& identity) const;

  // Hashes and stores the new (or a generated) password of `target` for modify_password.
  PasswordChange store_password(const std::string& target, const std::optional<std::string>& new_password,
                                const Identity& identity);

  // The target of an update's TargetControls: its normalised DN before and after the
  // update (they differ for modify DN; the before DN is empty for an add), and the DN the
  // client sent, for messages. The views refer to the update's own request and names.
  struct ControlledTarget {
    TargetControls* controls = nullptr;
    const Identity* identity = nullptr;
    std::string_view before;
    std::string_view after;
    std::string_view requested;
  };

  // Runs `operation` in the next write group (write_group.h) and returns its result. A
  // successful result whose commit fails becomes the commit's storage failure. With
  // `target.controls`, the assertion is tested and the pre-read entry taken before
  // `operation` runs, and the post-read entry after it succeeds, in the same transaction.
  protocol::LdapResult run_write(const std::function<protocol::LdapResult(storage::WriteTransaction&)>& operation,
                                 const ControlledTarget& target);
  protocol::LdapResult run_write(const std::function<protocol::LdapResult(storage::WriteTransaction&)>& operation);

  // The steps of run_write for TargetControls (read_entry_controls.cpp). Returns the
  // result that replaces the update's when the assertion fails (assertionFailed) or the
  // identity may not see the target (noSuchObject).
  std::optional<protocol::LdapResult> apply_controls_before(const storage::Transaction& txn,
                                                            const ControlledTarget& target) const;
  void apply_controls_after(const storage::Transaction& txn, const ControlledTarget& target) const;

  // remove_subtree's controls, tested on the subtree's root in a read transaction before
  // the first delete (update_controls.cpp).
  std::optional<protocol::LdapResult> apply_controls_to_subtree_root(const protocol::DelRequest& request,
                                                                     const Identity& identity,
                                                                     TargetControls& controls) const;

  // entry_as_read_by and check_assertion in a transaction the caller holds. `id` is the
  // stored entry's id, or std::nullopt when it is not stored.
  std::optional<protocol::SearchResultEntry> read_as(const storage::Transaction& txn, Entry entry,
                                                     std::optional<storage::EntryId> id,
                                                     const std::vector<std::string>& attributes,
                                                     const Identity& identity) const;
  // The result that replaces an operation's when its assertion does not hold: assertionFailed,
  // or noSuchObject naming `dn` when the identity may not see the entry.
  static std::optional<protocol::LdapResult> assertion_result(AssertionOutcome outcome, std::string_view dn);
  AssertionOutcome test_assertion(const storage::Transaction& txn, const protocol::Filter& assertion,
                                  const Entry& entry, std::optional<storage::EntryId> id,
                                  const Identity& identity) const;

  friend class Importer;
  std::shared_ptr<const schema::Schema> schema_;
  DirectoryOptions options_;
  std::unique_ptr<storage::EntryStore> store_;
  // Declared after store_, so that it is destroyed first.
  std::unique_ptr<WriteGroup> writes_;
  std::optional<std::string> root_normalised_;  // unset when root_dn does not parse
};

}  // namespace careid::directory::engine
