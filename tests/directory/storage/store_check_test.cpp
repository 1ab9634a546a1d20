// EntryStore::check and copy_environment. The damage cases edit the LMDB databases
// directly, because the store's own API never leaves them inconsistent.
#include <lmdb.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "directory/storage/entry_store.h"
#include "directory/storage/environment_copy.h"

namespace {

namespace fs = std::filesystem;
using careid::StatusCode;
using careid::directory::Entry;
using careid::directory::storage::copy_environment;
using careid::directory::storage::EntryId;
using careid::directory::storage::EntryStore;
using careid::directory::storage::IndexKey;
using careid::directory::storage::IndexKeyKind;
using careid::directory::storage::kNoParent;
using careid::directory::storage::StoreCheckReport;
using careid::directory::storage::StoreOptions;

fs::path fresh_folder(const std::string& name) {
  fs::path folder = fs::temp_directory_path() / ("careid-check-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

StoreOptions check_options() {
  StoreOptions options;
  options.map_size_bytes = 64ull << 20;
  options.indexed_attributes = {"uid"};
  options.sync = false;
  return options;
}

Entry person(const std::string& uid) {
  Entry entry;
  entry.dn = "uid=" + uid + ",o=test";
  entry.add_value("uid", uid);
  return entry;
}

// The index keys check_options implies for person(uid).
std::vector<IndexKey> person_keys(const Entry& entry) {
  return {{"uid", entry.attributes.front().values.front(), IndexKeyKind::kEquality}};
}

// Writes o=test with `people` children uid=0, uid=1, ... into a new store in `folder`.
void write_tree(const fs::path& folder, int people) {
  auto store = EntryStore::open(folder, check_options());
  REQUIRE(store.ok());
  auto txn = (*store)->begin_write();
  REQUIRE(txn.ok());
  auto root = txn->add("o=test", kNoParent, Entry{"o=test", {}}, {});
  REQUIRE(root.ok());
  for (int i = 0; i < people; ++i) {
    Entry entry = person(std::to_string(i));
    REQUIRE(txn->add("uid=" + std::to_string(i) + ",o=test", *root, entry, person_keys(entry)).ok());
  }
  REQUIRE(txn->commit().ok());
}

StoreCheckReport check_folder(const fs::path& folder, StoreOptions options = check_options()) {
  auto store = EntryStore::open(folder, std::move(options));
  REQUIRE(store.ok());
  auto report = (*store)->check();
  REQUIRE(report.ok());
  return *report;
}

// Deletes the record `key` (all its values) from the named database of the closed store in
// `folder`.
void delete_raw_record(const fs::path& folder, const std::string& database, const std::string& key) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == MDB_SUCCESS);
  mdb_env_set_maxdbs(env, 16);
  REQUIRE(mdb_env_open(env, folder.c_str(), 0, 0640) == MDB_SUCCESS);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS);
  MDB_dbi dbi = 0;
  REQUIRE(mdb_dbi_open(txn, database.c_str(), 0, &dbi) == MDB_SUCCESS);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  CHECK(mdb_del(txn, dbi, &k, nullptr) == MDB_SUCCESS);
  REQUIRE(mdb_txn_commit(txn) == MDB_SUCCESS);
  mdb_env_close(env);
}

bool mentions(const StoreCheckReport& report, const std::string& text) {
  for (const std::string& problem : report.problems) {
    if (problem.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("store check passes a consistent store", "[directory][storage][check]") {
  fs::path folder = fresh_folder("clean");
  write_tree(folder, 20);

  StoreCheckReport report = check_folder(folder);
  CHECK(report.consistent());
  CHECK(report.entries == 21);
  // One equality record per person; uid has an equality and presence index, so also
  // one presence record per person.
  CHECK(report.index_records == 40);
  fs::remove_all(folder);
}

TEST_CASE("store check finds a missing DN record", "[directory][storage][check]") {
  fs::path folder = fresh_folder("dn2id");
  write_tree(folder, 3);
  delete_raw_record(folder, "dn2id", "uid=1,o=test");

  StoreCheckReport report = check_folder(folder);
  CHECK_FALSE(report.consistent());
  CHECK(mentions(report, "(uid=1,o=test) has no dn2id record"));
  CHECK(mentions(report, "dn2id holds 3 records, but the entries imply 4"));
  fs::remove_all(folder);
}

TEST_CASE("store check finds missing index records", "[directory][storage][check]") {
  fs::path folder = fresh_folder("index");
  write_tree(folder, 3);
  delete_raw_record(folder, "index/uid", std::string("\x01") + "2");

  StoreCheckReport report = check_folder(folder);
  CHECK_FALSE(report.consistent());
  CHECK(mentions(report, "lacks the record equality '2' in index/uid"));
  CHECK(mentions(report, "index/uid holds 5 records, but the entries imply 6"));
  fs::remove_all(folder);
}

TEST_CASE("store check finds a broken child list", "[directory][storage][check]") {
  fs::path folder = fresh_folder("children");
  write_tree(folder, 2);
  // The suffix o=test is entry id 1 and sits under kNoParent (id 0).
  delete_raw_record(folder, "children", std::string(8, '\0'));

  StoreCheckReport report = check_folder(folder);
  CHECK(mentions(report, "entry id 1 is missing from the child list of its parent (suffixes)"));
  CHECK(mentions(report, "children holds 2 records, but the entries imply 3"));
  fs::remove_all(folder);
}

TEST_CASE("store check finds stale index keys", "[directory][storage][check]") {
  fs::path folder = fresh_folder("stale");
  write_tree(folder, 2);

  // Keys computed now differ from the stored ones, as after a matching rule change.
  StoreOptions options = check_options();
  options.rebuild_index_keys = [](const Entry& entry) {
    std::vector<IndexKey> keys;
    if (!entry.attributes.empty()) {
      keys.push_back({"uid", "changed-" + entry.attributes.front().values.front(), IndexKeyKind::kEquality});
    }
    return keys;
  };
  StoreCheckReport report = check_folder(folder, options);
  CHECK(report.problems.size() == 2);
  CHECK(mentions(report, "(uid=0,o=test) has index keys that differ"));
  fs::remove_all(folder);
}

TEST_CASE("store check limits listed problems", "[directory][storage][check]") {
  fs::path folder = fresh_folder("limit");
  write_tree(folder, 5);
  delete_raw_record(folder, "index/uid", std::string(1, '\0'));

  auto store = EntryStore::open(folder, check_options());
  REQUIRE(store.ok());
  auto report = (*store)->check({2});
  REQUIRE(report.ok());
  CHECK(report->problems.size() == 2);
  // Five missing presence records and one count mismatch.
  CHECK(report->unlisted_problems == 4);
  fs::remove_all(folder);
}

TEST_CASE("environment copy is compact and complete", "[directory][storage][check]") {
  fs::path folder = fresh_folder("copy-source");
  fs::path copy = fresh_folder("copy-target");
  write_tree(folder, 2000);
  {
    // Deleting most entries leaves free pages that a compacting copy drops.
    auto store = EntryStore::open(folder, check_options());
    REQUIRE(store.ok());
    auto txn = (*store)->begin_write();
    REQUIRE(txn.ok());
    for (int i = 10; i < 2000; ++i) {
      auto id = txn->find_id("uid=" + std::to_string(i) + ",o=test");
      REQUIRE(id.ok());
      REQUIRE(txn->remove(*id).ok());
    }
    REQUIRE(txn->commit().ok());
  }

  REQUIRE(copy_environment(folder, copy).ok());
  CHECK(fs::file_size(copy / "data.mdb") < fs::file_size(folder / "data.mdb"));
  CHECK((fs::status(copy / "data.mdb").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  StoreCheckReport report = check_folder(copy);
  CHECK(report.consistent());
  CHECK(report.entries == 11);

  auto again = copy_environment(folder, copy);
  CHECK(again.code() == StatusCode::kAlreadyExists);
  auto missing = copy_environment(folder / "absent", copy);
  CHECK(missing.code() == StatusCode::kNotFound);
  fs::remove_all(folder);
  fs::remove_all(copy);
}

TEST_CASE("environment copy rejects a store open here", "[directory][storage][check]") {
  fs::path folder = fresh_folder("copy-open");
  fs::path copy = fresh_folder("copy-open-target");
  write_tree(folder, 1);
  auto store = EntryStore::open(folder, check_options());
  REQUIRE(store.ok());

  auto copied = copy_environment(folder, copy);
  CHECK(copied.code() == StatusCode::kFailedPrecondition);
  CHECK(copied.message().find("open in this process") != std::string::npos);
  store->reset();
  fs::remove_all(folder);
  fs::remove_all(copy);
}
