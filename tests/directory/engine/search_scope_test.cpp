// Searches below a small base read the scope whole instead of the index lists. Their
// results and order must match those of the index plan.
#include <unistd.h>

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
using engine::DirectoryOptions;

// More people than the small-scope limit (16), so that searches from ou=People use the
// index plan.
constexpr int kOtherPeople = 30;

fs::path fresh_folder(const std::string& tag) {
  static int counter = 0;
  fs::path folder = fs::temp_directory_path() / ("careid-scope-test-" + tag + "-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(++counter));
  fs::remove_all(folder);
  return folder;
}

Entry person(const std::string& uid) {
  return {"uid=" + uid + ",ou=People,o=nhs",
          {{"objectClass", {"inetOrgPerson"}}, {"uid", {uid}}, {"cn", {"Person " + uid}}, {"sn", {uid}}}};
}

Entry unit(const std::string& ou, const std::string& parent) {
  return {"ou=" + ou + "," + parent, {{"objectClass", {"organizationalUnit"}}, {"ou", {ou}}}};
}

Entry role(const std::string& cn, const std::string& parent) {
  return {"cn=" + cn + "," + parent, {{"objectClass", {"organizationalRole"}}, {"cn", {cn}}}};
}

// The person uid=1 has two units with three roles below them. Every other person has a
// unit with one role, so the objectClass index lists are larger than uid=1's subtree.
std::vector<Entry> directory_entries() {
  const std::string first = "uid=1,ou=People,o=nhs";
  std::vector<Entry> entries = {
      {"o=nhs", {{"objectClass", {"organization"}}, {"o", {"nhs"}}}},
      unit("People", "o=nhs"),
      person("1"),
      unit("org1", first),
      role("r1", "ou=org1," + first),
      unit("org2", first),
      role("r3", "ou=org2," + first),
      role("r2", "ou=org1," + first),
  };
  for (int i = 2; i < 2 + kOtherPeople; ++i) {
    Entry other = person(std::to_string(i));
    const std::string dn = other.dn;
    entries.push_back(std::move(other));
    entries.push_back(unit("org", dn));
    entries.push_back(role("r", "ou=org," + dn));
  }
  return entries;
}

std::unique_ptr<Directory> open_loaded(const fs::path& folder) {
  DirectoryOptions options;
  options.store_folder = folder;
  options.map_size_bytes = 64 << 20;
  options.sync = false;
  options.indexed_attributes.clear();
  options.indexes = {{"objectClass", storage::kIndexEquality | storage::kIndexPresence},
                     {"uid", storage::kIndexEquality}};
  auto opened = Directory::open(
      [] {
        auto schema = schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
        REQUIRE(schema.ok());
        return std::move(*schema);
      }(),
      options);
  REQUIRE(opened.ok());

  auto importer = (*opened)->begin_import();
  REQUIRE(importer.ok());
  for (Entry& entry : directory_entries()) {
    careid::Status added = (*importer)->add(std::move(entry));
    INFO(added.message());
    REQUIRE(added.ok());
  }
  REQUIRE((*importer)->finish().ok());
  return std::move(*opened);
}

// Returns the DNs of the entries that `find` returns, in its order.
std::vector<std::string> found_dns(const Directory& directory, const std::string& base, bool one_level,
                                   const std::string& filter) {
  auto found = directory.find(base, one_level, filter);
  INFO(base << " " << filter);
  REQUIRE(found.ok());
  std::vector<std::string> dns;
  for (const Entry& entry : *found) {
    dns.push_back(entry.dn);
  }
  return dns;
}

}  // namespace

TEST_CASE("small scope search matches index plan", "[directory][engine][search]") {
  const fs::path folder = fresh_folder("small");
  {
    auto directory = open_loaded(folder);
    const std::string first = "uid=1,ou=People,o=nhs";

    // Entry id order, which is the order of adding: r2 was added after r3.
    CHECK(found_dns(*directory, first, false, "(objectClass=organizationalRole)") ==
          std::vector<std::string>{"cn=r1,ou=org1," + first, "cn=r3,ou=org2," + first, "cn=r2,ou=org1," + first});
    CHECK(found_dns(*directory, first, false, "(|(objectClass=organizationalUnit)(cn=r1))") ==
          std::vector<std::string>{"ou=org1," + first, "cn=r1,ou=org1," + first, "ou=org2," + first});
    CHECK(found_dns(*directory, first, false, "(objectClass=inetOrgPerson)") == std::vector<std::string>{first});
    CHECK(found_dns(*directory, first, true, "(objectClass=organizationalUnit)") ==
          std::vector<std::string>{"ou=org1," + first, "ou=org2," + first});
    CHECK(found_dns(*directory, "ou=org1," + first, true, "(objectClass=*)") ==
          std::vector<std::string>{"cn=r1,ou=org1," + first, "cn=r2,ou=org1," + first});
    CHECK(found_dns(*directory, "cn=r1,ou=org1," + first, false, "(objectClass=organizationalRole)") ==
          std::vector<std::string>{"cn=r1,ou=org1," + first});
    CHECK(found_dns(*directory, "cn=r1,ou=org1," + first, true, "(objectClass=*)").empty());
  }
  fs::remove_all(folder);
}

TEST_CASE("large scope search returns every match", "[directory][engine][search]") {
  const fs::path folder = fresh_folder("large");
  {
    auto directory = open_loaded(folder);

    std::vector<std::string> people = found_dns(*directory, "ou=People,o=nhs", true, "(objectClass=inetOrgPerson)");
    CHECK(people.size() == 1 + kOtherPeople);
    CHECK(found_dns(*directory, "ou=People,o=nhs", false, "(objectClass=inetOrgPerson)") == people);
    CHECK(found_dns(*directory, "o=nhs", false, "(uid=7)") ==
          std::vector<std::string>{"uid=7,ou=People,o=nhs"});
    CHECK(found_dns(*directory, "o=nhs", false, "(objectClass=organizationalRole)").size() == 3 + kOtherPeople);

    // Unindexed: one evaluator tests every entry, and "name" selects its subtype cn.
    CHECK(found_dns(*directory, "o=nhs", false, "(name=Person 7)") ==
          std::vector<std::string>{"uid=7,ou=People,o=nhs"});
    CHECK(found_dns(*directory, "o=nhs", false, "(commonName=person 2*)").size() == 11);
    CHECK(found_dns(*directory, "o=nhs", false, "(CN=*)").size() == (1 + kOtherPeople) + (3 + kOtherPeople));
  }
  fs::remove_all(folder);
}
