#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "directory/engine/csn.h"
#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using careid::directory::ResultCode;
using careid::directory::engine::Directory;
using careid::directory::engine::Identity;
namespace protocol = careid::directory::protocol;

constexpr auto kBase = protocol::SearchScope::kBaseObject;
constexpr auto kOne = protocol::SearchScope::kSingleLevel;

// A directory in a fresh temporary folder with the real schema: o=nhs, ou=People with
// three people, and ou=Groups.
struct GroupFixture {
  fs::path folder;
  std::unique_ptr<Directory> directory;
  Identity root{"cn=admin,o=nhs", "cn=admin,o=nhs", true};

  GroupFixture() {
    static int counter = 0;
    folder = fs::temp_directory_path() /
             ("careid-groups-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(folder);
    auto schema = careid::directory::schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
    REQUIRE(schema.ok());
    careid::directory::engine::DirectoryOptions options;
    options.store_folder = folder;
    options.map_size_bytes = 64 << 20;
    options.sync = false;
    auto opened = Directory::open(std::move(*schema), options);
    REQUIRE(opened.ok());
    directory = std::move(*opened);

    require_add("o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}});
    require_add("ou=People,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"People"}}});
    require_add("ou=Groups,o=nhs", {{"objectClass", {"organizationalUnit"}}, {"ou", {"Groups"}}});
    for (const char* uid : {"1", "2", "3"}) {
      require_add(person_dn(uid), {{"objectClass", {"inetOrgPerson"}},
                                   {"uid", {uid}}, {"cn", {std::string("Person ") + uid}}, {"sn", {"Person"}}});
    }
  }

  ~GroupFixture() {
    directory.reset();
    fs::remove_all(folder);
  }

  static std::string person_dn(const std::string& uid) { return "uid=" + uid + ",ou=People,o=nhs"; }

  void require_add(const std::string& dn, std::vector<protocol::PartialAttribute> attributes) {
    protocol::LdapResult result = directory->add(protocol::AddRequest{dn, std::move(attributes)}, root);
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  void require_modify(const std::string& dn, protocol::ModifyOperation operation, const std::string& type,
                      std::vector<std::string> values) {
    protocol::ModifyRequest request;
    request.object = dn;
    request.changes.push_back(protocol::Modification{operation, {type, std::move(values)}});
    protocol::LdapResult result = directory->modify(request, root);
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  void require_delete(const std::string& dn) {
    protocol::LdapResult result = directory->remove(protocol::DelRequest{dn}, root);
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  // The attributes of entry `dn` as a search with `attributes` returns them.
  std::vector<protocol::PartialAttribute> read(const std::string& dn, std::vector<std::string> attributes,
                                               protocol::SearchScope scope = kBase) {
    protocol::SearchRequest request;
    request.base_object = dn;
    request.scope = scope;
    request.attributes = std::move(attributes);
    request.filter = *protocol::parse_filter("(objectClass=*)");
    std::vector<protocol::PartialAttribute> found;
    directory->search(request, root, [&](protocol::SearchResultEntry&& entry) {
      found = std::move(entry.attributes);
      return true;
    });
    return found;
  }

  std::vector<std::string> values(const std::string& dn, const std::string& type) {
    for (auto& attribute : read(dn, {type})) {
      if (careid::directory::equals_ignore_case(attribute.type, type)) {
        return attribute.values;
      }
    }
    return {};
  }
};

bool has_type(const std::vector<protocol::PartialAttribute>& attributes, const std::string& type) {
  return std::any_of(attributes.begin(), attributes.end(),
                     [&](const auto& a) { return careid::directory::equals_ignore_case(a.type, type); });
}

const std::string kGroup = "cn=Doctors,ou=Groups,o=nhs";
const std::string kUniqueGroup = "cn=Nurses,ou=Groups,o=nhs";

}  // namespace

TEST_CASE("group add sets memberOf", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1"), "UID=2, ou=people, O=NHS"}}});

  CHECK(f.values(GroupFixture::person_dn("1"), "memberOf") == std::vector<std::string>{kGroup});
  CHECK(f.values(GroupFixture::person_dn("2"), "memberOf") == std::vector<std::string>{kGroup});
  CHECK(f.values(GroupFixture::person_dn("3"), "memberOf").empty());
}

TEST_CASE("memberOf only on request or plus", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1")}}});

  CHECK_FALSE(has_type(f.read(GroupFixture::person_dn("1"), {"*"}), "memberOf"));
  CHECK(has_type(f.read(GroupFixture::person_dn("1"), {"+"}), "memberOf"));
}

TEST_CASE("group modify keeps memberOf in step", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1"), GroupFixture::person_dn("2")}}});

  f.require_modify(kGroup, protocol::ModifyOperation::kDelete, "member", {GroupFixture::person_dn("2")});
  f.require_modify(kGroup, protocol::ModifyOperation::kAdd, "member", {GroupFixture::person_dn("3")});

  CHECK(f.values(GroupFixture::person_dn("1"), "memberOf") == std::vector<std::string>{kGroup});
  CHECK(f.values(GroupFixture::person_dn("2"), "memberOf").empty());
  CHECK(f.values(GroupFixture::person_dn("3"), "memberOf") == std::vector<std::string>{kGroup});
}

TEST_CASE("group delete clears memberOf", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1")}}});
  f.require_delete(kGroup);

  CHECK(f.values(GroupFixture::person_dn("1"), "memberOf").empty());
}

TEST_CASE("unique member groups set memberOf", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kUniqueGroup, {{"objectClass", {"groupOfUniqueNames"}}, {"cn", {"Nurses"}},
                               {"uniqueMember", {GroupFixture::person_dn("1") + "#'0101'B",
                                                 GroupFixture::person_dn("2")}}});

  CHECK(f.values(GroupFixture::person_dn("1"), "memberOf") == std::vector<std::string>{kUniqueGroup});
  CHECK(f.values(GroupFixture::person_dn("2"), "memberOf") == std::vector<std::string>{kUniqueGroup});
}

TEST_CASE("deleted member leaves its groups", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1"), GroupFixture::person_dn("2")}}});
  f.require_add(kUniqueGroup, {{"objectClass", {"groupOfUniqueNames"}}, {"cn", {"Nurses"}},
                               {"uniqueMember", {GroupFixture::person_dn("1") + "#'0101'B",
                                                 GroupFixture::person_dn("3")}}});

  f.require_delete(GroupFixture::person_dn("1"));

  CHECK(f.values(kGroup, "member") == std::vector<std::string>{GroupFixture::person_dn("2")});
  CHECK(f.values(kUniqueGroup, "uniqueMember") == std::vector<std::string>{GroupFixture::person_dn("3")});
}

TEST_CASE("last member value is kept", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1")}}});

  f.require_delete(GroupFixture::person_dn("1"));

  CHECK(f.values(kGroup, "member") == std::vector<std::string>{GroupFixture::person_dn("1")});
}

TEST_CASE("client cannot write memberOf", "[directory][engine][groups]") {
  GroupFixture f;
  protocol::ModifyRequest request;
  request.object = GroupFixture::person_dn("1");
  request.changes.push_back(protocol::Modification{protocol::ModifyOperation::kAdd, {"memberOf", {kGroup}}});

  CHECK(f.directory->modify(request, f.root).result_code == ResultCode::kConstraintViolation);
}

TEST_CASE("operational attributes on plus only", "[directory][engine]") {
  GroupFixture f;
  const std::string dn = GroupFixture::person_dn("1");

  auto user = f.read(dn, {"*"});
  for (const char* type : {"entryCSN", "entryUUID", "createTimestamp", "structuralObjectClass", "entryDN",
                           "hasSubordinates", "numSubordinates", "subschemaSubentry"}) {
    INFO(type);
    CHECK_FALSE(has_type(user, type));
  }

  auto operational = f.read(dn, {"+"});
  for (const char* type : {"entryCSN", "entryUUID", "createTimestamp", "modifyTimestamp", "creatorsName",
                           "modifiersName", "structuralObjectClass", "entryDN", "hasSubordinates",
                           "numSubordinates", "subschemaSubentry"}) {
    INFO(type);
    CHECK(has_type(operational, type));
  }
  CHECK(f.values(dn, "structuralObjectClass") == std::vector<std::string>{"inetOrgPerson"});
  CHECK(f.values("ou=People,o=nhs", "numSubordinates") == std::vector<std::string>{"3"});
  CHECK(f.values(dn, "numSubordinates") == std::vector<std::string>{"0"});
}

TEST_CASE("entryCSN changes on modify", "[directory][engine]") {
  GroupFixture f;
  const std::string dn = GroupFixture::person_dn("1");
  std::vector<std::string> before = f.values(dn, "entryCSN");
  REQUIRE(before.size() == 1);

  f.require_modify(dn, protocol::ModifyOperation::kReplace, "sn", {"Changed"});

  std::vector<std::string> after = f.values(dn, "entryCSN");
  REQUIRE(after.size() == 1);
  CHECK(after[0] > before[0]);
}

TEST_CASE("CSN text form and order", "[directory][engine]") {
  const auto now = std::chrono::system_clock::now();
  const std::regex form(R"(\d{14}\.\d{6}Z#[0-9a-f]{6}#000#000000)");
  std::string previous = careid::directory::engine::make_csn(now);
  CHECK(std::regex_match(previous, form));

  for (int i = 0; i < 100; ++i) {
    std::string next = careid::directory::engine::make_csn(now);
    INFO(previous << " then " << next);
    CHECK(std::regex_match(next, form));
    CHECK(next > previous);
    previous = next;
  }
}

TEST_CASE("binary values and options round trip", "[directory][engine]") {
  GroupFixture f;
  std::string photo;
  for (int i = 0; i < 256; ++i) {
    photo.push_back(static_cast<char>(i));
  }
  // A DER SEQUENCE holding an OCTET STRING with a zero byte and a byte that is not UTF-8.
  const std::string certificate("\x30\x04\x04\x02\xff\x00", 6);
  f.require_add("uid=4,ou=People,o=nhs",
                {{"objectClass", {"inetOrgPerson"}}, {"uid", {"4"}}, {"cn", {"Four"}}, {"sn", {"Four"}},
                 {"jpegPhoto", {photo}}, {"userCertificate;binary", {certificate}},
                 {"description;lang-en", {"colour"}}, {"description;lang-en-us", {"color"}}});

  auto attributes = f.read("uid=4,ou=People,o=nhs", {"*"});
  auto find = [&](const std::string& type) -> std::vector<std::string> {
    for (const auto& attribute : attributes) {
      if (careid::directory::equals_ignore_case(attribute.type, type)) {
        return attribute.values;
      }
    }
    return {};
  };
  CHECK(find("jpegPhoto") == std::vector<std::string>{photo});
  CHECK(find("userCertificate;binary") == std::vector<std::string>{certificate});
  CHECK(find("description;lang-en") == std::vector<std::string>{"colour"});
  CHECK(find("description;lang-en-us") == std::vector<std::string>{"color"});
}

TEST_CASE("subschema lists rule uses and times", "[directory][engine]") {
  GroupFixture f;
  auto attributes = f.read("cn=Subschema", {"*", "+"});
  for (const char* type : {"ldapSyntaxes", "matchingRules", "matchingRuleUse", "attributeTypes",
                           "objectClasses", "createTimestamp", "modifyTimestamp", "subschemaSubentry"}) {
    INFO(type);
    CHECK(has_type(attributes, type));
  }
  CHECK_FALSE(has_type(f.read("cn=Subschema", {"*"}), "attributeTypes"));
}

TEST_CASE("renamed member stays in groups", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1"), GroupFixture::person_dn("2")}}});

  protocol::ModifyDnRequest request{GroupFixture::person_dn("1"), "uid=11", true, std::nullopt};
  protocol::LdapResult result = f.directory->modify_dn(request, f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);

  std::vector<std::string> members = f.values(kGroup, "member");
  CHECK(std::find(members.begin(), members.end(), "uid=11,ou=People,o=nhs") != members.end());
  CHECK(std::find(members.begin(), members.end(), GroupFixture::person_dn("1")) == members.end());
  CHECK(f.values("uid=11,ou=People,o=nhs", "memberOf") == std::vector<std::string>{kGroup});
}

TEST_CASE("renamed group updates memberOf", "[directory][engine][groups]") {
  GroupFixture f;
  f.require_add(kGroup, {{"objectClass", {"groupOfNames"}}, {"cn", {"Doctors"}},
                         {"member", {GroupFixture::person_dn("1")}}});

  protocol::ModifyDnRequest request{kGroup, "cn=Surgeons", true, std::nullopt};
  protocol::LdapResult result = f.directory->modify_dn(request, f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);

  CHECK(f.values(GroupFixture::person_dn("1"), "memberOf") ==
        std::vector<std::string>{"cn=Surgeons,ou=Groups,o=nhs"});
}
