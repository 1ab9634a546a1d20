#include "directory/storage/entry_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using careid::StatusCode;
using careid::directory::Entry;
using careid::directory::storage::BulkLoadOptions;
using careid::directory::storage::EntryId;
using careid::directory::storage::EntryStore;
using careid::directory::storage::IndexKey;
using careid::directory::storage::kNoParent;
using careid::directory::storage::StoreOptions;

// A fresh folder under the temporary directory, removed when the test ends.
class TempFolder {
 public:
  explicit TempFolder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("careid-storage-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

StoreOptions small_options() {
  StoreOptions options;
  options.map_size_bytes = 256ull * 1024 * 1024;
  options.indexed_attributes = {"objectClass", "uid", "cn"};
  return options;
}

Entry make_entry(const std::string& dn, const std::string& uid) {
  Entry entry;
  entry.dn = dn;
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "person");
  entry.add_value("uid", uid);
  entry.add_value("cn", "Name " + uid);
  return entry;
}

std::vector<IndexKey> keys_for(const Entry& entry) {
  std::vector<IndexKey> keys;
  for (const auto& attribute : entry.attributes) {
    for (const auto& value : attribute.values) {
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      keys.push_back({attribute.description, lower});
    }
  }
  return keys;
}

// Adds o=nhs, ou=people,o=nhs and three people below it; returns their ids in that order.
std::vector<EntryId> add_sample_tree(EntryStore& store) {
  auto txn = store.begin_write();
  REQUIRE(txn.ok());
  Entry root;
  root.dn = "o=NHS";
  root.add_value("objectClass", "organization");
  auto root_id = txn->add("o=nhs", kNoParent, root, keys_for(root));
  REQUIRE(root_id.ok());
  Entry people;
  people.dn = "ou=People,o=NHS";
  people.add_value("objectClass", "organizationalUnit");
  auto people_id = txn->add("ou=people,o=nhs", *root_id, people, keys_for(people));
  REQUIRE(people_id.ok());

  std::vector<EntryId> ids{*root_id, *people_id};
  for (std::string uid : {"alice", "bob", "carol"}) {
    Entry person = make_entry("uid=" + uid + ",ou=People,o=NHS", uid);
    auto id = txn->add("uid=" + uid + ",ou=people,o=nhs", *people_id, person, keys_for(person));
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  REQUIRE(txn->commit().ok());
  return ids;
}

std::vector<EntryId> collect_children(const careid::directory::storage::Transaction& txn,
                                      EntryId id) {
  std::vector<EntryId> ids;
  REQUIRE(txn.for_each_child(id,
                             [&](EntryId child) {
                               ids.push_back(child);
                               return true;
                             })
              .ok());
  return ids;
}

std::vector<EntryId> collect_subtree(const careid::directory::storage::Transaction& txn,
                                     EntryId id) {
  std::vector<EntryId> ids;
  REQUIRE(txn.for_each_in_subtree(id,
                                  [&](EntryId child) {
                                    ids.push_back(child);
                                    return true;
                                  })
              .ok());
  return ids;
}

}  // namespace

TEST_CASE("entry store adds and reads entries", "[directory][storage]") {
  TempFolder folder("add");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  auto id = txn->find_id("uid=bob,ou=people,o=nhs");
  REQUIRE(id.ok());
  CHECK(*id == ids[3]);

  auto entry = txn->get(*id);
  REQUIRE(entry.ok());
  CHECK(entry->dn == "uid=bob,ou=People,o=NHS");
  CHECK(entry->first_value("uid") == "bob");
  REQUIRE(entry->find("objectClass") != nullptr);
  CHECK(entry->find("objectClass")->values.size() == 2);

  auto parent = txn->parent_id(*id);
  REQUIRE(parent.ok());
  CHECK(*parent == ids[1]);
  auto count = txn->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == 5);

  CHECK(txn->find_id("uid=nobody,o=nhs").status().code() == StatusCode::kNotFound);
  CHECK(txn->get(999).status().code() == StatusCode::kNotFound);
}

TEST_CASE("entry store rejects duplicate DN", "[directory][storage]") {
  TempFolder folder("duplicate");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  add_sample_tree(**store);

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  Entry again = make_entry("uid=alice,ou=People,o=NHS", "alice");
  auto parent = txn->find_id("ou=people,o=nhs");
  REQUIRE(parent.ok());
  auto duplicate = txn->add("uid=alice,ou=people,o=nhs", *parent, again, keys_for(again));
  CHECK(duplicate.status().code() == StatusCode::kAlreadyExists);

  auto orphan = txn->add("uid=x,ou=gone,o=nhs", 12345, again, {});
  CHECK(orphan.status().code() == StatusCode::kNotFound);

  auto empty_dn = txn->add("", kNoParent, again, {});
  CHECK(empty_dn.status().code() == StatusCode::kInvalidArgument);

  auto long_dn = txn->add(std::string(600, 'a'), kNoParent, again, {});
  CHECK(long_dn.status().code() == StatusCode::kInvalidArgument);

  // The failures above came before any write, so the transaction still commits.
  auto added = txn->add("uid=dave,ou=people,o=nhs", *parent, make_entry("uid=dave", "dave"), {});
  CHECK(added.ok());
  CHECK(txn->commit().ok());
}

TEST_CASE("entry store lists children and subtree", "[directory][storage]") {
  TempFolder folder("tree");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  CHECK(collect_children(*txn, kNoParent) == std::vector<EntryId>{ids[0]});
  CHECK(collect_children(*txn, ids[0]) == std::vector<EntryId>{ids[1]});
  CHECK(collect_children(*txn, ids[1]) == std::vector<EntryId>{ids[2], ids[3], ids[4]});
  CHECK(collect_children(*txn, ids[4]).empty());

  CHECK(collect_subtree(*txn, ids[0]) == ids);
  CHECK(collect_subtree(*txn, kNoParent) == ids);
  CHECK(collect_subtree(*txn, ids[3]) == std::vector<EntryId>{ids[3]});
  CHECK(txn->for_each_in_subtree(4242, [](EntryId) { return true; }).code() ==
        StatusCode::kNotFound);

  auto has = txn->has_children(ids[1]);
  REQUIRE(has.ok());
  CHECK(*has);
  auto leaf = txn->has_children(ids[2]);
  REQUIRE(leaf.ok());
  CHECK_FALSE(*leaf);

  auto three = txn->child_count(ids[1]);
  REQUIRE(three.ok());
  CHECK(*three == 3);
  auto none = txn->child_count(ids[4]);
  REQUIRE(none.ok());
  CHECK(*none == 0);
  auto suffixes = txn->child_count(kNoParent);
  REQUIRE(suffixes.ok());
  CHECK(*suffixes == 1);

  std::vector<EntryId> first_two;
  REQUIRE(txn->for_each_in_subtree(ids[0],
                                   [&](EntryId id) {
                                     first_two.push_back(id);
                                     return first_two.size() < 2;
                                   })
              .ok());
  CHECK(first_two == std::vector<EntryId>{ids[0], ids[1]});
}

TEST_CASE("entry store subtree handles deep chains", "[directory][storage]") {
  TempFolder folder("deep");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  EntryId parent = kNoParent;
  std::string dn = "o=nhs";
  constexpr int kDepth = 20000;
  for (int i = 0; i < kDepth; ++i) {
    Entry entry;
    entry.dn = std::to_string(i);
    // Keys must stay under 512 bytes, so each level gets a short unique key.
    auto id = txn->add("level" + std::to_string(i), parent, entry, {});
    REQUIRE(id.ok());
    parent = *id;
  }
  std::size_t visited = 0;
  REQUIRE(txn->for_each_in_subtree(kNoParent,
                                   [&](EntryId) {
                                     ++visited;
                                     return true;
                                   })
              .ok());
  CHECK(visited == kDepth);
  CHECK(txn->commit().ok());
}

TEST_CASE("entry store index lookups", "[directory][storage]") {
  TempFolder folder("index");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  auto person = txn->ids_equal("objectclass", "person");
  REQUIRE(person.ok());
  CHECK(*person == std::vector<EntryId>{ids[2], ids[3], ids[4]});

  auto bob = txn->ids_equal("UID", "bob");
  REQUIRE(bob.ok());
  CHECK(*bob == std::vector<EntryId>{ids[3]});

  auto none = txn->ids_equal("uid", "zed");
  REQUIRE(none.ok());
  CHECK(none->empty());

  auto present = txn->ids_present("uid");
  REQUIRE(present.ok());
  CHECK(*present == std::vector<EntryId>{ids[2], ids[3], ids[4]});
  auto all = txn->ids_present("objectClass");
  REQUIRE(all.ok());
  CHECK(all->size() == 5);

  CHECK(txn->ids_equal("mail", "x").status().code() == StatusCode::kFailedPrecondition);
  CHECK(txn->ids_present("mail").status().code() == StatusCode::kFailedPrecondition);
  CHECK((*store)->is_indexed("CN"));
  CHECK_FALSE((*store)->is_indexed("mail"));
}

TEST_CASE("entry store long index values", "[directory][storage]") {
  TempFolder folder("long-value");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  std::string long_a = std::string(600, 'x') + "a";
  std::string long_b = std::string(600, 'x') + "b";
  Entry entry;
  entry.dn = "cn=long";
  auto a = txn->add("cn=long-a", kNoParent, entry, {{"cn", long_a}});
  auto b = txn->add("cn=long-b", kNoParent, entry, {{"cn", long_b}});
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  // Both share the first 510 bytes, so both are candidates for either value.
  auto candidates = txn->ids_equal("cn", long_a);
  REQUIRE(candidates.ok());
  CHECK(*candidates == std::vector<EntryId>{*a, *b});

  REQUIRE(txn->remove(*a).ok());
  auto after = txn->ids_equal("cn", long_b);
  REQUIRE(after.ok());
  CHECK(*after == std::vector<EntryId>{*b});
  CHECK(txn->commit().ok());
}

TEST_CASE("entry store replace updates indexes", "[directory][storage]") {
  TempFolder folder("replace");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  Entry changed = make_entry("uid=bob,ou=People,o=NHS", "robert");
  changed.attributes.erase(changed.attributes.begin() + 3);  // drop cn
  changed.add_value("description", "renamed");
  REQUIRE(txn->replace(ids[3], changed, keys_for(changed)).ok());
  REQUIRE(txn->commit().ok());

  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  auto entry = read->get(ids[3]);
  REQUIRE(entry.ok());
  CHECK(entry->first_value("uid") == "robert");
  CHECK(entry->first_value("description") == "renamed");
  CHECK(read->find_id("uid=bob,ou=people,o=nhs").ok());

  auto bob = read->ids_equal("uid", "bob");
  REQUIRE(bob.ok());
  CHECK(bob->empty());
  auto robert = read->ids_equal("uid", "robert");
  REQUIRE(robert.ok());
  CHECK(*robert == std::vector<EntryId>{ids[3]});
  auto cn = read->ids_present("cn");
  REQUIRE(cn.ok());
  CHECK(*cn == std::vector<EntryId>{ids[2], ids[4]});
  auto person = read->ids_equal("objectClass", "person");
  REQUIRE(person.ok());
  CHECK(person->size() == 3);

  auto write = (*store)->begin_write();
  REQUIRE(write.ok());
  CHECK(write->replace(777, changed, {}).code() == StatusCode::kNotFound);
}

TEST_CASE("entry store removes leaves only", "[directory][storage]") {
  TempFolder folder("remove");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  CHECK(txn->remove(ids[1]).code() == StatusCode::kFailedPrecondition);
  REQUIRE(txn->remove(ids[2]).ok());
  CHECK(txn->remove(ids[2]).code() == StatusCode::kNotFound);
  REQUIRE(txn->commit().ok());

  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  CHECK(read->find_id("uid=alice,ou=people,o=nhs").status().code() == StatusCode::kNotFound);
  CHECK(collect_children(*read, ids[1]) == std::vector<EntryId>{ids[3], ids[4]});
  auto uid = read->ids_present("uid");
  REQUIRE(uid.ok());
  CHECK(*uid == std::vector<EntryId>{ids[3], ids[4]});
  auto alice = read->ids_equal("uid", "alice");
  REQUIRE(alice.ok());
  CHECK(alice->empty());
  auto count = read->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == 4);
}

TEST_CASE("entry store aborts without commit", "[directory][storage]") {
  TempFolder folder("abort");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  {
    auto txn = (*store)->begin_write();
    REQUIRE(txn.ok());
    REQUIRE(txn->add("o=nhs", kNoParent, make_entry("o=nhs", "x"), {}).ok());
  }
  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  CHECK(read->find_id("o=nhs").status().code() == StatusCode::kNotFound);
}

TEST_CASE("entry store persists across reopen", "[directory][storage]") {
  TempFolder folder("reopen");
  std::vector<EntryId> ids;
  {
    auto store = EntryStore::open(folder.path(), small_options());
    REQUIRE(store.ok());
    ids = add_sample_tree(**store);

    auto second = EntryStore::open(folder.path(), small_options());
    CHECK(second.status().code() == StatusCode::kFailedPrecondition);
  }

  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  auto id = read->find_id("uid=carol,ou=people,o=nhs");
  REQUIRE(id.ok());
  CHECK(*id == ids[4]);
  CHECK(collect_subtree(*read, ids[0]) == ids);
  auto carol = read->ids_equal("uid", "carol");
  REQUIRE(carol.ok());
  CHECK(*carol == std::vector<EntryId>{ids[4]});

  // Ids continue after the last one used, even after a removal.
  auto write = (*store)->begin_write();
  REQUIRE(write.ok());
  REQUIRE(write->remove(ids[4]).ok());
  auto next = write->add("uid=dan,ou=people,o=nhs", ids[1], make_entry("uid=dan", "dan"), {});
  REQUIRE(next.ok());
  CHECK(*next == ids[4] + 1);
  CHECK(write->commit().ok());
}

TEST_CASE("entry store detects changed indexes", "[directory][storage]") {
  TempFolder folder("reindex");
  std::vector<EntryId> ids;
  {
    auto store = EntryStore::open(folder.path(), small_options());
    REQUIRE(store.ok());
    ids = add_sample_tree(**store);
  }

  StoreOptions changed = small_options();
  changed.indexed_attributes = {"uid", "sn"};
  auto rejected = EntryStore::open(folder.path(), changed);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == StatusCode::kFailedPrecondition);
  CHECK(rejected.status().message().find("[cn, objectclass, uid]") != std::string::npos);

  changed.rebuild_index_keys = [](const Entry& entry) {
    std::vector<IndexKey> keys = keys_for(entry);
    keys.push_back({"sn", "surname"});
    return keys;
  };
  {
    auto rebuilt = EntryStore::open(folder.path(), changed);
    REQUIRE(rebuilt.ok());
    CHECK((*rebuilt)->indexed_attributes() == std::vector<std::string>{"sn", "uid"});
    auto read = (*rebuilt)->begin_read();
    REQUIRE(read.ok());
    auto sn = read->ids_equal("sn", "surname");
    REQUIRE(sn.ok());
    CHECK(sn->size() == 5);
    auto uid = read->ids_equal("uid", "alice");
    REQUIRE(uid.ok());
    CHECK(*uid == std::vector<EntryId>{ids[2]});
    CHECK(read->ids_present("cn").status().code() == StatusCode::kFailedPrecondition);
  }

  // The rebuilt keys are stored, so removal cleans the new indexes.
  changed.rebuild_index_keys = nullptr;
  auto reopened = EntryStore::open(folder.path(), changed);
  REQUIRE(reopened.ok());
  auto write = (*reopened)->begin_write();
  REQUIRE(write.ok());
  REQUIRE(write->remove(ids[2]).ok());
  auto sn = write->ids_equal("sn", "surname");
  REQUIRE(sn.ok());
  CHECK(sn->size() == 4);
  CHECK(write->commit().ok());
}

TEST_CASE("entry store reports map full", "[directory][storage]") {
  TempFolder folder("map-full");
  StoreOptions options = small_options();
  options.map_size_bytes = 256 * 1024;
  auto store = EntryStore::open(folder.path(), options);
  REQUIRE(store.ok());

  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  careid::Status failure;
  for (int i = 0; i < 10000 && failure.ok(); ++i) {
    Entry entry = make_entry("uid=" + std::to_string(i), std::to_string(i));
    entry.add_value("description", std::string(2000, 'd'));
    auto id = txn->add("uid=" + std::to_string(i), kNoParent, entry, keys_for(entry));
    if (!id.ok()) {
      failure = id.status();
    }
  }
  REQUIRE_FALSE(failure.ok());
  CHECK(failure.code() == StatusCode::kResourceExhausted);
  CHECK(failure.message().find("map_size_mib") != std::string::npos);
  CHECK(failure.message().find(folder.path().string()) != std::string::npos);

  // The failed transaction accepts nothing more, and the store stays usable.
  CHECK(txn->add("uid=late", kNoParent, make_entry("uid=late", "late"), {}).status().code() ==
        StatusCode::kResourceExhausted);
  CHECK(txn->commit().code() == StatusCode::kResourceExhausted);
  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  auto count = read->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == 0);
}

TEST_CASE("entry store folder errors", "[directory][storage]") {
  TempFolder folder("errors");
  auto missing = EntryStore::open(folder.path() / "absent", small_options());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("absent") != std::string::npos);

  std::filesystem::path file = folder.path() / "plain-file";
  { std::ofstream(file) << "x"; }
  auto not_folder = EntryStore::open(file, small_options());
  CHECK(not_folder.status().code() == StatusCode::kInvalidArgument);

  StoreOptions create = small_options();
  create.create_folder = true;
  auto created = EntryStore::open(folder.path() / "new" / "store", create);
  CHECK(created.ok());

  StoreOptions bad = small_options();
  bad.indexed_attributes = {"cn", "bad name"};
  CHECK(EntryStore::open(folder.path(), bad).status().code() == StatusCode::kInvalidArgument);
  bad.indexed_attributes = {};
  bad.map_size_bytes = 0;
  CHECK(EntryStore::open(folder.path(), bad).status().code() == StatusCode::kInvalidArgument);

  // NOTE: a read-only folder cannot be tested while running as root, which bypasses
  // permission bits.
  if (::geteuid() != 0) {
    std::filesystem::path locked = folder.path() / "locked";
    std::filesystem::create_directories(locked);
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto read_only = EntryStore::open(locked, small_options());
    CHECK(read_only.status().code() == StatusCode::kPermissionDenied);
    CHECK(read_only.status().message().find("locked") != std::string::npos);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  }
}

TEST_CASE("entry store bulk loads entries", "[directory][storage][slow]") {
  TempFolder folder("bulk");
  StoreOptions options = small_options();
  options.map_size_bytes = 1024ull * 1024 * 1024;
  constexpr int kEntries = 100000;
  {
    auto store = EntryStore::open(folder.path(), options);
    REQUIRE(store.ok());
    auto loader = (*store)->start_bulk_load(BulkLoadOptions{10000});
    REQUIRE(loader.ok());

    Entry root;
    root.dn = "o=nhs";
    auto root_id = loader->add("o=nhs", kNoParent, root, {});
    REQUIRE(root_id.ok());
    for (int i = 0; i < kEntries; ++i) {
      std::string uid = std::to_string(i);
      Entry entry = make_entry("uid=" + uid + ",o=nhs", uid);
      auto id = loader->add("uid=" + uid + ",o=nhs", *root_id, entry, keys_for(entry));
      REQUIRE(id.ok());
    }

    // A duplicate is skipped and the load goes on.
    Entry again = make_entry("uid=5,o=nhs", "5");
    CHECK(loader->add("uid=5,o=nhs", *root_id, again, {}).status().code() ==
          StatusCode::kAlreadyExists);
    auto parent = loader->find_id("o=nhs");
    REQUIRE(parent.ok());
    CHECK(*parent == *root_id);

    REQUIRE(loader->finish().ok());
    CHECK(loader->committed() == kEntries + 1);
    CHECK(loader->finish().code() == StatusCode::kFailedPrecondition);
  }

  auto store = EntryStore::open(folder.path(), options);
  REQUIRE(store.ok());
  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  auto count = read->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == kEntries + 1);
  auto id = read->find_id("uid=99999,o=nhs");
  REQUIRE(id.ok());
  auto by_uid = read->ids_equal("uid", "99999");
  REQUIRE(by_uid.ok());
  CHECK(*by_uid == std::vector<EntryId>{*id});
  auto people = read->ids_equal("objectClass", "person");
  REQUIRE(people.ok());
  CHECK(people->size() == kEntries);
  CHECK(std::is_sorted(people->begin(), people->end()));
}

// Opens `folder` with small_options(), bulk loads `count` entries "uid=N" with uid N from
// N = first downwards with `options`, and finishes the load.
std::unique_ptr<EntryStore> bulk_load_descending(const std::filesystem::path& folder, int first,
                                                 int count, BulkLoadOptions options) {
  auto store = EntryStore::open(folder, small_options());
  REQUIRE(store.ok());
  auto loader = (*store)->start_bulk_load(options);
  REQUIRE(loader.ok());
  for (int i = 0; i < count; ++i) {
    const std::string uid = std::to_string(first - i);
    const Entry entry = make_entry("uid=" + uid, uid);
    REQUIRE(loader->add("uid=" + uid, kNoParent, entry, keys_for(entry)).ok());
  }
  REQUIRE(loader->finish().ok());
  return std::move(*store);
}

// Checks that `store` is consistent and has `entries` entries, all with objectClass person.
void check_loaded(const EntryStore& store, std::uint64_t entries) {
  auto report = store.check();
  REQUIRE(report.ok());
  CHECK(report->consistent());
  CHECK(report->entries == entries);
  auto read = store.begin_read();
  REQUIRE(read.ok());
  auto people = read->ids_equal("objectClass", "person");
  REQUIRE(people.ok());
  CHECK(people->size() == entries);
  CHECK(std::is_sorted(people->begin(), people->end()));
}

TEST_CASE("entry store bulk load abort", "[directory][storage]") {
  TempFolder folder("bulk-abort");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  {
    auto loader = (*store)->start_bulk_load(BulkLoadOptions{3});
    REQUIRE(loader.ok());
    for (int i = 0; i < 5; ++i) {
      std::string dn = "cn=" + std::to_string(i);
      Entry entry = make_entry(dn, std::to_string(i));
      REQUIRE(loader->add(dn, kNoParent, entry, keys_for(entry)).ok());
    }
    CHECK(loader->committed() == 3);
  }
  // The open batch of two was aborted when the loader went away, and the held-back index
  // records of the three committed entries were written.
  auto read = (*store)->begin_read();
  REQUIRE(read.ok());
  auto count = read->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == 3);
  check_loaded(**store, 3);
  auto aborted = read->ids_equal("uid", "4");
  REQUIRE(aborted.ok());
  CHECK(aborted->empty());
  CHECK((*store)->start_bulk_load(BulkLoadOptions{0}).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("bulk load into non-empty store", "[directory][storage]") {
  TempFolder folder("bulk-second");
  // The first load fills the empty store, the second writes its index records per batch.
  bulk_load_descending(folder.path(), 19, 10, BulkLoadOptions{4}).reset();
  auto store = bulk_load_descending(folder.path(), 9, 10, BulkLoadOptions{4});
  check_loaded(*store, 20);

  auto read = store->begin_read();
  REQUIRE(read.ok());
  auto second = read->ids_equal("uid", "5");
  REQUIRE(second.ok());
  CHECK(second->size() == 1);
}

TEST_CASE("bulk load over index memory", "[directory][storage]") {
  TempFolder folder("bulk-memory");
  BulkLoadOptions options{5};
  options.max_index_memory_bytes = 1;  // write the held records after every batch
  // Descending uids put later keys below earlier ones, so not every key appends.
  auto store = bulk_load_descending(folder.path(), 1000, 23, options);
  check_loaded(*store, 23);
}

TEST_CASE("interrupted bulk load is rejected", "[directory][storage]") {
  TempFolder folder("bulk-interrupted");
  // The child process stops in the middle of a load, as a crash would, leaving two
  // committed batches whose index records were still held in its memory.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto store = EntryStore::open(folder.path(), small_options());
    if (!store.ok()) {
      ::_exit(2);
    }
    auto loader = (*store)->start_bulk_load(BulkLoadOptions{2});
    for (int i = 0; loader.ok() && i < 5; ++i) {
      std::string dn = "cn=" + std::to_string(i);
      Entry entry = make_entry(dn, std::to_string(i));
      if (!loader->add(dn, kNoParent, entry, keys_for(entry)).ok()) {
        ::_exit(3);
      }
    }
    ::_exit(loader.ok() ? 0 : 4);
  }
  int wait_status = 0;
  REQUIRE(::waitpid(child, &wait_status, 0) == child);
  REQUIRE(WIFEXITED(wait_status));
  REQUIRE(WEXITSTATUS(wait_status) == 0);

  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK(store.status().message().find("bulk load that did not finish") != std::string::npos);
}

TEST_CASE("entry store reads selected attributes", "[directory][storage]") {
  TempFolder folder("selected");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  auto only_cn = txn->get_selected(ids[2], [](std::string_view description) { return description == "cn"; });
  REQUIRE(only_cn.ok());
  CHECK(only_cn->dn.empty());
  REQUIRE(only_cn->attributes.size() == 1);
  CHECK(only_cn->attributes[0].description == "cn");
  CHECK(only_cn->attributes[0].values == std::vector<std::string>{"Name alice"});

  auto all = txn->get_selected(ids[2], [](std::string_view) { return true; });
  auto whole = txn->get(ids[2]);
  REQUIRE(all.ok());
  REQUIRE(whole.ok());
  REQUIRE(all->attributes.size() == whole->attributes.size());
  for (std::size_t i = 0; i < all->attributes.size(); ++i) {
    CHECK(all->attributes[i].description == whole->attributes[i].description);
    CHECK(all->attributes[i].values == whole->attributes[i].values);
  }

  auto none = txn->get_selected(ids[2], [](std::string_view) { return false; });
  REQUIRE(none.ok());
  CHECK(none->attributes.empty());

  CHECK(txn->get_selected(4242, [](std::string_view) { return true; }).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("entry store walks entries in id order", "[directory][storage]") {
  TempFolder folder("walk");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  std::vector<EntryId> walked;
  std::vector<std::size_t> uid_counts;
  auto only_uid = [](std::string_view description) { return description == "uid"; };
  REQUIRE(txn->for_each_entry(only_uid,
                              [&](EntryId id, const careid::Result<Entry>& entry) {
                                REQUIRE(entry.ok());
                                walked.push_back(id);
                                uid_counts.push_back(entry->attributes.size());
                                return true;
                              })
              .ok());
  CHECK(walked == ids);
  CHECK(uid_counts == std::vector<std::size_t>{0, 0, 1, 1, 1});

  std::vector<EntryId> first_two;
  REQUIRE(txn->for_each_entry(only_uid,
                              [&](EntryId id, const careid::Result<Entry>&) {
                                first_two.push_back(id);
                                return first_two.size() < 2;
                              })
              .ok());
  CHECK(first_two == std::vector<EntryId>{ids[0], ids[1]});
}

TEST_CASE("renewed read transaction sees commits", "[directory][storage]") {
  TempFolder folder("reuse");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  // More readers at once than are kept idle, so some end with an abort and some are reset.
  std::vector<careid::directory::storage::ReadTransaction> readers;
  for (int i = 0; i < 40; ++i) {
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    readers.push_back(std::move(*txn));
  }
  readers.clear();

  {
    auto write = (*store)->begin_write();
    REQUIRE(write.ok());
    Entry dave = make_entry("uid=dave,ou=People,o=NHS", "dave");
    REQUIRE(write->add("uid=dave,ou=people,o=nhs", ids[1], dave, keys_for(dave)).ok());
    REQUIRE(write->commit().ok());
  }

  // A renewed transaction reads the newest snapshot, not the one it had before its reset.
  for (int i = 0; i < 40; ++i) {
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    CHECK(txn->find_id("uid=dave,ou=people,o=nhs").ok());
    auto count = txn->entry_count();
    REQUIRE(count.ok());
    CHECK(*count == 6);
  }
}

TEST_CASE("read transactions renewed across threads", "[directory][storage]") {
  TempFolder folder("reuse-threads");
  auto store = EntryStore::open(folder.path(), small_options());
  REQUIRE(store.ok());
  std::vector<EntryId> ids = add_sample_tree(**store);

  // Readers on four threads while one writer adds entries. Each reader's count of entries
  // never falls, because every transaction, new or renewed, starts at the newest commit.
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      for (int i = 0; i < 2000; ++i) {
        auto txn = (*store)->begin_read();
        auto count = txn.ok() ? txn->entry_count() : careid::Result<std::uint64_t>(txn.status());
        if (!count.ok() || *count < last) {
          failed = true;
          return;
        }
        last = *count;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    auto write = (*store)->begin_write();
    REQUIRE(write.ok());
    const std::string uid = "p" + std::to_string(i);
    Entry person = make_entry("uid=" + uid + ",ou=People,o=NHS", uid);
    REQUIRE(write->add("uid=" + uid + ",ou=people,o=nhs", ids[1], person, keys_for(person)).ok());
    REQUIRE(write->commit().ok());
  }
  for (std::thread& reader : readers) {
    reader.join();
  }
  CHECK_FALSE(failed);
  auto txn = (*store)->begin_read();
  REQUIRE(txn.ok());
  auto count = txn->entry_count();
  REQUIRE(count.ok());
  CHECK(*count == 205);
}
