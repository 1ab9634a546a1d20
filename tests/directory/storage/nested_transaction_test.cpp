#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "directory/storage/entry_store.h"

namespace {

namespace fs = std::filesystem;
using careid::directory::Entry;
using careid::directory::storage::EntryStore;
using careid::directory::storage::IndexKey;
using careid::directory::storage::kNoParent;
using careid::directory::storage::StoreOptions;
using careid::directory::storage::WriteTransaction;

Entry named(const std::string& uid) {
  Entry entry;
  entry.dn = "uid=" + uid;
  entry.add_value("uid", uid);
  return entry;
}

careid::Status add(WriteTransaction& txn, const std::string& uid) {
  auto added = txn.add("uid=" + uid, kNoParent, named(uid), {IndexKey{"uid", uid}});
  return added.ok() ? careid::Status::ok_status() : added.status();
}

TEST_CASE("nested transaction commit and abort", "[directory][storage]") {
  const fs::path folder = fs::temp_directory_path() / ("careid-storage-nested-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  StoreOptions options;
  options.map_size_bytes = 64ull << 20;
  options.indexed_attributes = {"uid"};
  options.sync = false;
  options.create_folder = true;
  auto store = EntryStore::open(folder, options);
  REQUIRE(store.ok());

  {
    auto txn = (*store)->begin_write();
    REQUIRE(txn.ok());
    {
      auto merged = txn->begin_nested();
      REQUIRE(merged.ok());
      CHECK_FALSE(txn->begin_nested().ok());  // LMDB allows one nested transaction at a time
      REQUIRE(add(*merged, "kept").ok());
      REQUIRE(merged->commit().ok());
    }
    {
      auto discarded = txn->begin_nested();
      REQUIRE(discarded.ok());
      CHECK(discarded->find_id("uid=kept").ok());
      REQUIRE(add(*discarded, "discarded").ok());
    }
    CHECK_FALSE(txn->find_id("uid=discarded").ok());
    {
      auto last = txn->begin_nested();
      REQUIRE(last.ok());
      REQUIRE(add(*last, "last").ok());
      REQUIRE(last->commit().ok());
    }
    REQUIRE(txn->commit().ok());
  }

  {
    auto read = (*store)->begin_read();
    REQUIRE(read.ok());
    CHECK(read->find_id("uid=kept").ok());
    CHECK_FALSE(read->find_id("uid=discarded").ok());
    CHECK(read->find_id("uid=last").ok());
    CHECK(*read->entry_count() == 2);
  }
  auto report = (*store)->check();
  REQUIRE(report.ok());
  CHECK(report->consistent());

  store->reset();
  fs::remove_all(folder);
}

}  // namespace
