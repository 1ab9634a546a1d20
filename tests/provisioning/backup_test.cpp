#include "provisioning/backup.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "directory/storage/entry_store.h"

namespace {

namespace fs = std::filesystem;
using careid::StatusCode;
using careid::provisioning::back_up_stores;
using careid::provisioning::restore_stores;
using careid::provisioning::StoreLocation;
using careid::provisioning::verify_backup;

// A folder with a data folder `data` (one directory store with one entry) and room for
// backups, removed at the end of the test.
class BackupFixture {
 public:
  BackupFixture() : root_(fs::temp_directory_path() / ("careid-backup-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    careid::directory::storage::StoreOptions options;
    options.create_folder = true;
    options.map_size_bytes = 16 << 20;
    auto store = careid::directory::storage::EntryStore::open(store_folder(), options);
    REQUIRE(store.ok());
    auto txn = (*store)->begin_write();
    REQUIRE(txn.ok());
    REQUIRE(txn->add("o=test", careid::directory::storage::kNoParent, careid::directory::Entry{"o=test", {}}, {}).ok());
    REQUIRE(txn->commit().ok());
  }
  ~BackupFixture() { fs::remove_all(root_); }

  fs::path store_folder() const { return root_ / "data" / "store"; }
  fs::path backup() const { return root_ / "backup"; }
  std::vector<StoreLocation> stores() const {
    return {{"directory", store_folder()}, {"card-registry", root_ / "data" / "pki" / "registry"}};
  }

  void rewrite_manifest(const std::string& from, const std::string& to) const {
    const fs::path path = backup() / "manifest.json";
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc) << text;
  }

 private:
  fs::path root_;
};

}  // namespace

TEST_CASE("backup skips missing stores", "[provisioning][backup]") {
  BackupFixture fixture;
  auto manifest = back_up_stores(fixture.stores(), fixture.store_folder().parent_path(), fixture.backup());
  REQUIRE(manifest.ok());
  REQUIRE(manifest->stores.size() == 1);
  CHECK(manifest->stores[0].name == "directory");
  CHECK(manifest->stores[0].sha256.size() == 64);
  CHECK(manifest->stores[0].bytes == fs::file_size(fixture.backup() / "directory" / "data.mdb"));

  auto again = back_up_stores(fixture.stores(), fixture.store_folder().parent_path(), fixture.backup());
  CHECK(again.status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("backup verify detects damage", "[provisioning][backup]") {
  BackupFixture fixture;
  REQUIRE(back_up_stores(fixture.stores(), fixture.store_folder().parent_path(), fixture.backup()).ok());
  REQUIRE(verify_backup(fixture.backup()).ok());

  {
    std::fstream file(fixture.backup() / "directory" / "data.mdb", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x7f');
  }
  auto damaged = verify_backup(fixture.backup());
  CHECK(damaged.status().code() == StatusCode::kCorruption);
  CHECK(damaged.status().message().find("SHA-256") != std::string::npos);

  fs::remove(fixture.backup() / "manifest.json");
  CHECK(verify_backup(fixture.backup()).status().code() == StatusCode::kNotFound);
}

TEST_CASE("backup manifest names are checked", "[provisioning][backup]") {
  BackupFixture fixture;
  REQUIRE(back_up_stores(fixture.stores(), fixture.store_folder().parent_path(), fixture.backup()).ok());

  fixture.rewrite_manifest("\"directory/data.mdb\"", "\"../directory/data.mdb\"");
  auto escaped = verify_backup(fixture.backup());
  CHECK(escaped.status().code() == StatusCode::kCorruption);
  CHECK(escaped.status().message().find("../directory/data.mdb") != std::string::npos);

  fixture.rewrite_manifest("\"format\": 1", "\"format\": 2");
  CHECK(verify_backup(fixture.backup()).status().code() == StatusCode::kFailedPrecondition);

  fixture.rewrite_manifest("\"format\": 2", "\"format\": \"one\"");
  CHECK(verify_backup(fixture.backup()).status().code() == StatusCode::kCorruption);
}

TEST_CASE("backup restore keeps replaced store", "[provisioning][backup]") {
  BackupFixture fixture;
  REQUIRE(back_up_stores(fixture.stores(), fixture.store_folder().parent_path(), fixture.backup()).ok());
  auto manifest = verify_backup(fixture.backup());
  REQUIRE(manifest.ok());

  auto restored = restore_stores(fixture.backup(), *manifest, fixture.stores());
  REQUIRE(restored.ok());
  REQUIRE(restored->size() == 1);
  CHECK((*restored)[0].folder == fixture.store_folder());
  CHECK(fs::exists((*restored)[0].previous / "data.mdb"));
  CHECK(fs::exists(fixture.store_folder() / "data.mdb"));
  CHECK_FALSE(fs::exists(fixture.store_folder().string() + ".restoring"));

  careid::directory::storage::StoreOptions options;
  options.map_size_bytes = 16 << 20;
  auto reopened = careid::directory::storage::EntryStore::open(fixture.store_folder(), options);
  REQUIRE(reopened.ok());
  auto txn = (*reopened)->begin_read();
  REQUIRE(txn.ok());
  CHECK(txn->find_id("o=test").ok());
}
