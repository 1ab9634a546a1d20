#include "directory/engine/write_group.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/auth/password.h"
#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using careid::Status;
using careid::StatusCode;
using careid::directory::Entry;
using careid::directory::engine::WriteGroup;
using careid::directory::engine::WriteOperation;
using careid::directory::storage::EntryStore;
using careid::directory::storage::IndexKey;
using careid::directory::storage::kNoParent;
using careid::directory::storage::StoreOptions;
using careid::directory::storage::WriteTransaction;

// An EntryStore in a fresh temporary folder, removed when the test ends.
struct StoreFixture {
  fs::path folder;
  std::unique_ptr<EntryStore> store;

  StoreFixture() {
    static int counter = 0;
    folder = fs::temp_directory_path() /
             ("careid-write-group-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(folder);
    StoreOptions options;
    options.map_size_bytes = 64ull << 20;
    options.indexed_attributes = {"uid"};
    options.sync = false;
    options.create_folder = true;
    auto opened = EntryStore::open(folder, options);
    REQUIRE(opened.ok());
    store = std::move(*opened);
  }

  ~StoreFixture() {
    store.reset();
    fs::remove_all(folder);
  }

  bool has(const std::string& uid) {
    auto txn = store->begin_read();
    return txn.ok() && txn->find_id("uid=" + uid).ok();
  }

  std::string cn_of(const std::string& uid) {
    auto txn = store->begin_read();
    auto id = txn->find_id("uid=" + uid);
    if (!id.ok()) {
      return "";
    }
    return std::string(txn->get(*id)->first_value("cn"));
  }
};

Entry person(const std::string& uid) {
  Entry entry;
  entry.dn = "uid=" + uid;
  entry.add_value("uid", uid);
  entry.add_value("cn", "first");
  return entry;
}

// Adds the suffix-level entry uid=<uid>.
WriteOperation add_operation(const std::string& uid) {
  return [uid](WriteTransaction& txn) -> Status {
    auto added = txn.add("uid=" + uid, kNoParent, person(uid), {IndexKey{"uid", uid}});
    return added.ok() ? Status::ok_status() : added.status();
  };
}

// Polls `condition` every millisecond for up to 60 seconds and returns its last value.
bool wait_for(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs a first operation that keeps the writer lock until `followers` have all queued behind
// it, one after another in list order, so that they form the next group (or groups) in
// that order. Returns every result, the first operation's at index 0.
std::vector<Status> run_queued(WriteGroup& group, const std::vector<WriteOperation>& followers,
                               const std::function<void()>& while_held = [] {}) {
  std::vector<Status> results(followers.size() + 1);
  std::atomic<bool> release{false};
  std::atomic<bool> holding{false};
  const WriteOperation first = [&](WriteTransaction& txn) -> Status {
    holding = true;
    wait_for([&] { return release.load(); });
    auto added = txn.add("uid=first", kNoParent, person("first"), {IndexKey{"uid", "first"}});
    return added.ok() ? Status::ok_status() : added.status();
  };

  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = group.run(first); });
  REQUIRE(wait_for([&] { return holding.load(); }));
  for (std::size_t i = 0; i < followers.size(); ++i) {
    threads.emplace_back([&, i] { results[i + 1] = group.run(followers[i]); });
    REQUIRE(wait_for([&] { return group.queued_operations() == i + 2; }));
  }
  while_held();
  release = true;
  for (std::thread& thread : threads) {
    thread.join();
  }
  return results;
}

TEST_CASE("write group failing operation leaves no trace", "[directory][engine]") {
  StoreFixture fixture;
  WriteGroup group(*fixture.store, 8);
  const WriteOperation failing = [](WriteTransaction& txn) -> Status {
    auto added = txn.add("uid=c", kNoParent, person("c"), {IndexKey{"uid", "c"}});
    if (!added.ok()) {
      return Status::internal("the add before the failure failed: " + added.status().message());
    }
    return Status::invalid_argument("rejected after writing");
  };

  std::vector<Status> results = run_queued(group, {add_operation("b"), failing, add_operation("d")});

  CHECK(results[0].ok());
  CHECK(results[1].ok());
  CHECK(results[2].code() == StatusCode::kInvalidArgument);
  CHECK(results[3].ok());
  CHECK(fixture.has("first"));
  CHECK(fixture.has("b"));
  CHECK_FALSE(fixture.has("c"));
  CHECK(fixture.has("d"));
  CHECK(group.statistics().groups == 2);
  CHECK(group.statistics().operations == 4);
  auto report = fixture.store->check();
  REQUIRE(report.ok());
  CHECK(report->consistent());
}

TEST_CASE("write group add then modify", "[directory][engine]") {
  StoreFixture fixture;
  WriteGroup group(*fixture.store, 8);
  const WriteOperation modify = [](WriteTransaction& txn) -> Status {
    auto id = txn.find_id("uid=x");
    if (!id.ok()) {
      return id.status();
    }
    Entry entry = person("x");
    entry.attributes.back().values = {"second"};
    return txn.replace(*id, entry, {IndexKey{"uid", "x"}});
  };

  std::vector<Status> results = run_queued(group, {add_operation("x"), modify});

  CHECK(results[1].ok());
  CHECK(results[2].ok());
  CHECK(fixture.cn_of("x") == "second");
  CHECK(group.statistics().groups == 2);
}

TEST_CASE("write group size limit", "[directory][engine]") {
  const std::size_t max_operations = GENERATE(1, 2, 8);
  StoreFixture fixture;
  WriteGroup group(*fixture.store, max_operations);

  std::vector<Status> results =
      run_queued(group, {add_operation("a"), add_operation("b"), add_operation("c"), add_operation("d")});

  for (const Status& result : results) {
    CHECK(result.ok());
  }
  // The first operation commits alone, then the four queued ones in groups of at most
  // max_operations.
  const std::size_t expected_groups = 1 + (4 + max_operations - 1) / max_operations;
  CHECK(group.statistics().groups == expected_groups);
  CHECK(group.statistics().operations == 5);
}

TEST_CASE("write group shutdown with queued writes", "[directory][engine]") {
  StoreFixture fixture;
  auto group = std::make_unique<WriteGroup>(*fixture.store, 8);
  Status after_close;

  std::vector<Status> results =
      run_queued(*group, {add_operation("a"), add_operation("b"), add_operation("c")}, [&] {
        group->close();
        after_close = group->run(add_operation("late"));
      });
  group.reset();

  CHECK(after_close.code() == StatusCode::kUnavailable);
  for (const Status& result : results) {
    CHECK(result.ok());
  }
  CHECK(fixture.has("c"));
  CHECK_FALSE(fixture.has("late"));
}

TEST_CASE("write group concurrent directory modifies", "[directory][engine]") {
  namespace protocol = careid::directory::protocol;
  using careid::directory::ResultCode;
  const fs::path folder = fs::temp_directory_path() / ("careid-write-group-directory-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  auto schema = careid::directory::schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
  REQUIRE(schema.ok());
  careid::directory::engine::DirectoryOptions options;
  options.store_folder = folder;
  options.map_size_bytes = 64 << 20;
  options.sync = false;
  options.group_commit_max_operations = 4;
  auto opened = careid::directory::engine::Directory::open(std::move(*schema), options);
  REQUIRE(opened.ok());
  auto& directory = **opened;
  const careid::directory::engine::Identity root{"cn=admin,o=nhs", "cn=admin,o=nhs", true};
  REQUIRE(directory.add({"o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}}}, root).result_code ==
          ResultCode::kSuccess);

  // Each thread adds its own entry and modifies it. Its second add of the same DN fails.
  constexpr int kThreads = 6;
  std::vector<ResultCode> adds(kThreads), modifies(kThreads), duplicates(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string dn = "o=org" + std::to_string(i) + ",o=nhs";
      const protocol::AddRequest add{dn, {{"objectClass", {"top", "organization"}}, {"o", {"org" + std::to_string(i)}}}};
      adds[i] = directory.add(add, root).result_code;
      modifies[i] = directory.modify({dn, {{protocol::ModifyOperation::kAdd, {"description", {"changed"}}}}}, root).result_code;
      duplicates[i] = directory.add(add, root).result_code;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  for (int i = 0; i < kThreads; ++i) {
    CHECK(adds[i] == ResultCode::kSuccess);
    CHECK(modifies[i] == ResultCode::kSuccess);
    CHECK(duplicates[i] == ResultCode::kEntryAlreadyExists);
    auto entry = directory.read_entry("o=org" + std::to_string(i) + ",o=nhs");
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    CHECK((*entry)->first_value("description") == "changed");
  }
  CHECK(directory.write_statistics().operations == 1 + 3 * kThreads);
  auto report = directory.check_store();
  REQUIRE(report.ok());
  CHECK(report->consistent());
  opened->reset();
  fs::remove_all(folder);
}

}  // namespace
