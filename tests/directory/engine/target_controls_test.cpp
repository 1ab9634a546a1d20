// TargetControls: the assertion, pre-read and post-read controls of an update, evaluated
// in the update's own write transaction.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::engine::TargetControls;
using careid::directory::engine::testing::OperationsFixture;
namespace protocol = careid::directory::protocol;

const std::string kTarget = "uid=555000000001,ou=People,o=nhs";
const std::vector<std::string> kDescription = {"description"};

protocol::ModifyRequest replace_description(const std::string& value) {
  return {kTarget, {{protocol::ModifyOperation::kReplace, {"description", {value}}}}};
}

// The single description value of a read control's entry, or "" when it has none.
std::string description_of(const std::optional<protocol::SearchResultEntry>& entry) {
  if (!entry.has_value()) {
    return "";
  }
  for (const protocol::PartialAttribute& attribute : entry->attributes) {
    if (attribute.type == "description" && attribute.values.size() == 1) {
      return attribute.values.front();
    }
  }
  return "";
}

}  // namespace

TEST_CASE("target controls read before and after modify", "[directory][engine][controls]") {
  OperationsFixture f;
  REQUIRE(f.directory->modify(replace_description("old"), f.root).result_code == ResultCode::kSuccess);

  TargetControls controls;
  controls.pre_read = &kDescription;
  controls.post_read = &kDescription;
  REQUIRE(f.directory->modify(replace_description("new"), f.root, &controls).result_code == ResultCode::kSuccess);

  CHECK(description_of(controls.pre_read_entry) == "old");
  CHECK(description_of(controls.post_read_entry) == "new");
  REQUIRE(controls.post_read_entry.has_value());
  CHECK(controls.post_read_entry->object_name == kTarget);
}

TEST_CASE("target controls failed assertion changes nothing", "[directory][engine][controls]") {
  OperationsFixture f;
  REQUIRE(f.directory->modify(replace_description("old"), f.root).result_code == ResultCode::kSuccess);

  const protocol::Filter assertion = *protocol::parse_filter("(description=other)");
  TargetControls controls;
  controls.assertion = &assertion;
  controls.pre_read = &kDescription;
  CHECK(f.directory->modify(replace_description("new"), f.root, &controls).result_code == ResultCode::kAssertionFailed);

  auto entry = f.directory->read_entry(kTarget);
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->first_value("description") == "old");
}

TEST_CASE("target controls follow rename and delete", "[directory][engine][controls]") {
  OperationsFixture f;
  const std::vector<std::string> uid = {"uid"};
  TargetControls renamed;
  renamed.pre_read = &uid;
  renamed.post_read = &uid;
  const protocol::ModifyDnRequest rename{kTarget, "uid=555000000009", true, std::nullopt};
  REQUIRE(f.directory->modify_dn(rename, f.root, &renamed).result_code == ResultCode::kSuccess);
  REQUIRE(renamed.pre_read_entry.has_value());
  REQUIRE(renamed.post_read_entry.has_value());
  CHECK(renamed.pre_read_entry->object_name == kTarget);
  CHECK(renamed.post_read_entry->object_name == "uid=555000000009,ou=People,o=nhs");

  TargetControls removed;
  removed.pre_read = &uid;
  removed.post_read = &uid;
  REQUIRE(f.directory->remove({"uid=555000000009,ou=People,o=nhs"}, f.root, &removed).result_code ==
          ResultCode::kSuccess);
  CHECK(removed.pre_read_entry.has_value());
  CHECK_FALSE(removed.post_read_entry.has_value());
}

// Each modify replaces the value it read, so with pre-read in the write transaction every
// value is read as "before" by exactly one modify: no two modifies see the same old value.
TEST_CASE("target controls pre-read is atomic", "[directory][engine][controls]") {
  OperationsFixture f;
  REQUIRE(f.directory->modify(replace_description("start"), f.root).result_code == ResultCode::kSuccess);

  constexpr int kThreads = 4;
  constexpr int kModifies = 50;
  std::mutex mutex;
  std::multiset<std::string> seen_before;
  std::set<std::string> written;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kModifies; ++i) {
        const std::string value = "t" + std::to_string(t) + "-" + std::to_string(i);
        TargetControls controls;
        controls.pre_read = &kDescription;
        const ResultCode code = f.directory->modify(replace_description(value), f.root, &controls).result_code;
        std::lock_guard lock(mutex);
        if (code == ResultCode::kSuccess) {
          seen_before.insert(description_of(controls.pre_read_entry));
          written.insert(value);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  REQUIRE(written.size() == kThreads * kModifies);
  std::set<std::string> distinct(seen_before.begin(), seen_before.end());
  CHECK(distinct.size() == seen_before.size());
  CHECK(distinct.contains("start"));
}

// Compare-and-swap with the assertion: each increment asserts the value it read. A lost
// update would leave the counter below the number of increments that succeeded.
TEST_CASE("target controls assertion is atomic", "[directory][engine][controls]") {
  OperationsFixture f;
  REQUIRE(f.directory->modify(replace_description("0"), f.root).result_code == ResultCode::kSuccess);

  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < kIncrements;) {
        auto entry = f.directory->read_entry(kTarget);
        const int current = std::stoi(std::string((*entry)->first_value("description")));
        const protocol::Filter assertion = *protocol::parse_filter("(description=" + std::to_string(current) + ")");
        TargetControls controls;
        controls.assertion = &assertion;
        const ResultCode code =
            f.directory->modify(replace_description(std::to_string(current + 1)), f.root, &controls).result_code;
        if (code == ResultCode::kSuccess) {
          ++done;
          ++succeeded;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  auto entry = f.directory->read_entry(kTarget);
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK(succeeded.load() == kThreads * kIncrements);
  CHECK((*entry)->first_value("description") == std::to_string(kThreads * kIncrements));
}

TEST_CASE("target controls compare tests assertion", "[directory][engine][controls]") {
  OperationsFixture f;
  const protocol::CompareRequest compare{kTarget, {"cn", "Demo Doctor"}};
  const protocol::Filter matching = *protocol::parse_filter("(sn=Doctor)");
  const protocol::Filter mismatching = *protocol::parse_filter("(sn=Nobody)");

  CHECK(f.directory->compare(compare, f.root, &matching).result_code == ResultCode::kCompareTrue);
  CHECK(f.directory->compare(compare, f.root, &mismatching).result_code == ResultCode::kAssertionFailed);
  CHECK(f.directory->compare({"uid=555000000099,ou=People,o=nhs", {"cn", "x"}}, f.root, &matching).result_code ==
        ResultCode::kNoSuchObject);
}
