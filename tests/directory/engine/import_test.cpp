// Importer: memberOf after a bulk load matches what LDAP adds would write.
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
    options.map_size_bytes = 64 << 20;
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

}  // namespace
