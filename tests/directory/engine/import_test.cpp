// Importer: memberOf after a bulk load matches what LDAP adds would write, and loads with
// prepare threads give the store and the errors of a serial load.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using namespace careid::directory;
using engine::Directory;

struct ImportFixture {
  fs::path folder;
  std::unique_ptr<Directory> directory;

  ImportFixture() {
    static int counter = 0;
    folder = fs::temp_directory_path() /
             ("careid-import-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(folder);
    auto schema = schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
    REQUIRE(schema.ok());
    engine::DirectoryOptions options;
    options.store_folder = folder;
    options.map_size_bytes = 256 << 20;
    options.sync = false;
    auto opened = Directory::open(std::move(*schema), options);
    REQUIRE(opened.ok());
    directory = std::move(*opened);
  }

  ~ImportFixture() {
    directory.reset();
    fs::remove_all(folder);
  }

  void import(std::vector<Entry> entries) {
    auto importer = directory->begin_import();
    REQUIRE(importer.ok());
    for (Entry& entry : entries) {
      careid::Status added = (*importer)->add(std::move(entry));
      INFO(added.message());
      REQUIRE(added.ok());
    }
    REQUIRE((*importer)->finish().ok());
  }

  // Adds `entries` with `threads` prepare threads until one fails; returns that error, or
  // finish()'s status.
  careid::Status load(std::vector<Entry> entries, unsigned threads) {
    auto importer = directory->begin_import({.threads = threads});
    REQUIRE(importer.ok());
    for (Entry& entry : entries) {
      careid::Status added = (*importer)->add(std::move(entry));
      if (!added.ok()) {
        return added;
      }
    }
    auto finished = (*importer)->finish();
    return finished.ok() ? careid::Status::ok_status() : finished.status();
  }

  // Returns the DNs below o=nhs in the order find() returns them; none without o=nhs.
  std::vector<std::string> subtree_dns() {
    std::vector<std::string> dns;
    auto suffix = directory->read_entry("o=nhs");
    REQUIRE(suffix.ok());
    if (!suffix->has_value()) {
      return dns;
    }
    auto found = directory->find("o=nhs", false, "(objectClass=*)");
    REQUIRE(found.ok());
    for (const Entry& entry : *found) {
      dns.push_back(entry.dn);
    }
    return dns;
  }

  std::size_t count(const std::string& filter) {
    auto found = directory->find("o=nhs", false, filter);
    REQUIRE(found.ok());
    return found->size();
  }

  std::vector<std::string> member_of(const std::string& dn) {
    auto found = directory->find(dn, false, "(objectClass=*)");
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    // find() returns user attributes only, so read the stored entry for memberOf.
    auto entry = directory->read_entry(dn);
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    const Attribute* values = (*entry)->find("memberOf");
    return values == nullptr ? std::vector<std::string>{} : values->values;
  }
};

Entry person(const std::string& uid) {
  return {"uid=" + uid + ",ou=People,o=nhs",
          {{"objectClass", {"inetOrgPerson"}}, {"uid", {uid}}, {"cn", {"Person " + uid}}, {"sn", {"Person"}}}};
}

std::vector<Entry> tree() {
  return {{"o=nhs", {{"objectClass", {"organization"}}, {"o", {"nhs"}}}},
          {"ou=Groups,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"Groups"}}}},
          {"ou=People,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"People"}}}}};
}

TEST_CASE("import sets memberOf of group members", "[directory][engine][import]") {
  ImportFixture fixture;
  std::vector<Entry> entries = tree();
  entries.push_back(person("1"));
  // Groups before and after their members: memberOf is set once all are loaded.
  entries.push_back({"cn=Ward 1,ou=Groups,o=nhs",
                     {{"objectClass", {"groupOfNames"}},
                      {"cn", {"Ward 1"}},
                      {"member", {"uid=1,ou=People,o=nhs", "UID=2, ou=people,o=NHS", "uid=9,ou=People,o=nhs"}}}});
  entries.push_back({"cn=Ward 2,ou=Groups,o=nhs",
                     {{"objectClass", {"groupOfUniqueNames"}},
                      {"cn", {"Ward 2"}},
                      {"uniqueMember", {"uid=2,ou=People,o=nhs#'0101'B"}}}});
  entries.push_back(person("2"));
  fixture.import(std::move(entries));

  CHECK(fixture.member_of("uid=1,ou=People,o=nhs") == std::vector<std::string>{"cn=Ward 1,ou=Groups,o=nhs"});
  auto second = fixture.member_of("uid=2,ou=People,o=nhs");
  std::sort(second.begin(), second.end());
  CHECK(second == std::vector<std::string>{"cn=Ward 1,ou=Groups,o=nhs", "cn=Ward 2,ou=Groups,o=nhs"});
  CHECK(fixture.member_of("cn=Ward 1,ou=Groups,o=nhs").empty());
}

TEST_CASE("second import keeps memberOf single", "[directory][engine][import]") {
  ImportFixture fixture;
  std::vector<Entry> entries = tree();
  entries.push_back(person("1"));
  entries.push_back({"cn=Ward 1,ou=Groups,o=nhs",
                     {{"objectClass", {"groupOfNames"}}, {"cn", {"Ward 1"}}, {"member", {"uid=1,ou=People,o=nhs"}}}});
  fixture.import(entries);
  fixture.import(entries);  // every entry exists: skipped, memberOf unchanged
  CHECK(fixture.member_of("uid=1,ou=People,o=nhs") == std::vector<std::string>{"cn=Ward 1,ou=Groups,o=nhs"});
}

TEST_CASE("import finds parents with escaped commas", "[directory][engine][import]") {
  ImportFixture fixture;
  std::vector<Entry> entries = tree();
  entries.push_back({"ou=Smith\\, Jones and Co,ou=People,o=nhs",
                     {{"objectClass", {"organizationalUnit"}}, {"ou", {"Smith, Jones and Co"}}}});
  entries.push_back({"uid=7,ou=Smith\\, Jones and Co,ou=People,o=nhs",
                     {{"objectClass", {"inetOrgPerson"}}, {"uid", {"7"}}, {"cn", {"Seven"}}, {"sn", {"Seven"}}}});
  entries.push_back(person("1"));
  fixture.import(std::move(entries));

  auto below = fixture.directory->find("ou=Smith\\, Jones and Co,ou=People,o=nhs", true, "(objectClass=*)");
  REQUIRE(below.ok());
  REQUIRE(below->size() == 1);
  CHECK((*below)[0].dn == "uid=7,ou=Smith\\, Jones and Co,ou=People,o=nhs");
  auto people = fixture.directory->find("ou=People,o=nhs", true, "(objectClass=*)");
  REQUIRE(people.ok());
  CHECK(people->size() == 2);
  auto report = fixture.directory->check_store();
  REQUIRE(report.ok());
  CHECK(report->consistent());
}

TEST_CASE("import rejects entry without parent", "[directory][engine][import]") {
  ImportFixture fixture;
  fixture.import(tree());
  auto importer = fixture.directory->begin_import();
  REQUIRE(importer.ok());
  Entry orphan_entry{"uid=2,ou=Missing,o=nhs",
                     {{"objectClass", {"inetOrgPerson"}}, {"uid", {"2"}}, {"cn", {"Two"}}, {"sn", {"Two"}}}};
  careid::Status orphan = (*importer)->add(std::move(orphan_entry));
  CHECK(orphan.code() == careid::StatusCode::kInvalidArgument);
  CHECK(orphan.message().find("parent is missing") != std::string::npos);
  CHECK((*importer)->add(person("1")).ok());
  REQUIRE((*importer)->finish().ok());
}

constexpr std::size_t kBatch = engine::Importer::kBatchEntries;

// The suffix, ou=People and ou=Groups, `people` people, and a group of the first three.
std::vector<Entry> people_directory(std::size_t people) {
  std::vector<Entry> entries = {
      {"o=nhs", {{"objectClass", {"organization"}}, {"o", {"nhs"}}}},
      {"ou=People,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"People"}}}},
      {"ou=Groups,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"Groups"}}}}};
  for (std::size_t i = 0; i < people; ++i) {
    entries.push_back(person(std::to_string(i)));
  }
  entries.push_back({"cn=Ward,ou=Groups,o=nhs",
                     {{"objectClass", {"groupOfNames"}},
                      {"cn", {"Ward"}},
                      {"member", {"uid=0,ou=People,o=nhs", "uid=1,ou=People,o=nhs", "uid=2,ou=People,o=nhs"}}}});
  return entries;
}

// An entry the schema rejects: inetOrgPerson requires sn.
Entry person_without_sn(std::size_t number) {
  Entry entry = person(std::to_string(number));
  entry.attributes.pop_back();
  return entry;
}

TEST_CASE("pipeline import matches serial import", "[directory][engine][import]") {
  const std::size_t people = 3 * kBatch + 17;
  ImportFixture serial;
  REQUIRE(serial.load(people_directory(people), 1).ok());

  for (unsigned threads : {2u, 3u}) {
    INFO("prepare threads " << threads);
    ImportFixture pipeline;
    REQUIRE(pipeline.load(people_directory(people), threads).ok());

    CHECK(pipeline.subtree_dns() == serial.subtree_dns());
    CHECK(pipeline.count("(uid=517)") == 1);
    CHECK(pipeline.count("(cn=Person 1000)") == 1);
    CHECK(pipeline.count("(objectClass=inetOrgPerson)") == people);
    auto member = pipeline.directory->read_entry("uid=1,ou=People,o=nhs");
    REQUIRE(member.ok());
    REQUIRE(member->has_value());
    const Attribute* member_of = (*member)->find("memberOf");
    REQUIRE(member_of != nullptr);
    CHECK(member_of->values == std::vector<std::string>{"cn=Ward,ou=Groups,o=nhs"});
    auto report = pipeline.directory->check_store();
    REQUIRE(report.ok());
    CHECK(report->consistent());
  }
}

TEST_CASE("pipeline import counts skipped entries", "[directory][engine][import]") {
  ImportFixture fixture;
  REQUIRE(fixture.load(people_directory(kBatch), 2).ok());

  auto importer = fixture.directory->begin_import({.threads = 2});
  REQUIRE(importer.ok());
  for (Entry& entry : people_directory(kBatch + 5)) {
    REQUIRE((*importer)->add(std::move(entry)).ok());
  }
  auto summary = (*importer)->finish();
  REQUIRE(summary.ok());
  CHECK(summary->added == 5);
  CHECK(summary->skipped_existing == kBatch + 4);
}

TEST_CASE("pipeline import reports first bad entry", "[directory][engine][import]") {
  // The first bad entry sits in the middle of the third batch, a second one later.
  std::vector<Entry> entries = people_directory(4 * kBatch);
  const std::size_t first_bad = 2 * kBatch + kBatch / 2;
  entries[first_bad] = person_without_sn(first_bad);
  entries[first_bad + kBatch] = person_without_sn(first_bad + kBatch);

  ImportFixture serial;
  careid::Status serial_error = serial.load(entries, 1);
  REQUIRE(serial_error.code() == careid::StatusCode::kInvalidArgument);

  for (unsigned threads : {2u, 4u}) {
    INFO("prepare threads " << threads);
    ImportFixture pipeline;
    careid::Status error = pipeline.load(entries, threads);
    INFO(error.message());
    CHECK(error.code() == careid::StatusCode::kInvalidArgument);
    CHECK(error.message() == serial_error.message());
    CHECK(error.message().find(entries[first_bad].dn) != std::string::npos);
    // Both stores keep the batches the bulk loader committed before the error.
    CHECK(pipeline.subtree_dns() == serial.subtree_dns());
  }
}

TEST_CASE("pipeline import reports missing parent", "[directory][engine][import]") {
  std::vector<Entry> entries = people_directory(2 * kBatch);
  const std::size_t orphan = kBatch + 3;
  entries[orphan].dn = "uid=" + std::to_string(orphan - 3) + ",ou=Missing,o=nhs";  // after the 3 tree entries

  ImportFixture fixture;
  careid::Status error = fixture.load(entries, 2);
  INFO(error.message());
  CHECK(error.code() == careid::StatusCode::kInvalidArgument);
  CHECK(error.message().find("ou=Missing,o=nhs") != std::string::npos);
  CHECK(error.message().find("parent is missing") != std::string::npos);
}

TEST_CASE("pipeline import stops after first error", "[directory][engine][import]") {
  ImportFixture fixture;
  auto importer = fixture.directory->begin_import({.threads = 2});
  REQUIRE(importer.ok());
  std::vector<Entry> entries = people_directory(10);
  entries[5] = person_without_sn(5);
  for (Entry& entry : entries) {
    REQUIRE((*importer)->add(std::move(entry)).ok());  // fewer than a batch: all queued
  }

  // flush() is what load_ldif calls before it reports an error in the LDIF itself.
  careid::Status flushed = (*importer)->flush();
  CHECK(flushed.code() == careid::StatusCode::kInvalidArgument);
  CHECK(flushed.message().find("uid=5,ou=People,o=nhs") != std::string::npos);
  CHECK((*importer)->add(person("100")).message() == flushed.message());
  auto finished = (*importer)->finish();
  REQUIRE_FALSE(finished.ok());
  CHECK(finished.status().message() == flushed.message());
}

TEST_CASE("pipeline importer destroyed while busy", "[directory][engine][import]") {
  ImportFixture fixture;
  {
    auto importer = fixture.directory->begin_import({.threads = 3});
    REQUIRE(importer.ok());
    for (Entry& entry : people_directory(20 * kBatch)) {
      REQUIRE((*importer)->add(std::move(entry)).ok());
    }
  }
  // The store stays usable: a new import finishes and the store is consistent.
  REQUIRE(fixture.load(people_directory(kBatch), 2).ok());
  auto report = fixture.directory->check_store();
  REQUIRE(report.ok());
  CHECK(report->consistent());
}

}  // namespace
