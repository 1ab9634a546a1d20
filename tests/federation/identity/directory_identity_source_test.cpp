// DirectoryIdentitySource over a real directory: only active role profiles are returned,
// each with the activities and workgroups from the RBAC entries under ou=Roles.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "federation/identity/directory_identity_source.h"
#include "rbac/rbac_entries.h"
#include "tests/directory/engine/operations_fixture.h"

namespace careid::federation {
namespace {

namespace protocol = directory::protocol;

constexpr const char* kUid = "555000000001";
constexpr const char* kOrgPerson = "uniqueIdentifier=100,uid=555000000001,ou=People,o=nhs";

// The operations fixture's tree plus the catalogue (B0200 includes B0100, R8000's baseline
// is B0200), a position "Ward Clerk" at R0A adding B0300 and workgroup WG-1, and for person
// 555000000001 an active profile from that position and an ended bare R8000 profile.
struct Fixture : directory::engine::testing::OperationsFixture {
  Fixture() {
    add_tree();
    add_catalogue();
    add_person();
  }

  void add(const directory::Entry& entry) {
    std::vector<protocol::PartialAttribute> attributes;
    for (const auto& attribute : entry.attributes) {
      attributes.push_back({attribute.description, attribute.values});
    }
    require_add(entry.dn, std::move(attributes));
  }

  void add(const std::string& dn, const std::vector<std::pair<std::string, std::vector<std::string>>>& values) {
    std::vector<protocol::PartialAttribute> attributes;
    for (const auto& [name, list] : values) {
      attributes.push_back({name, list});
    }
    require_add(dn, std::move(attributes));
  }

  void add_tree() {
    for (const char* ou : {"Roles", "Organisations"}) {
      add(std::string("ou=") + ou + ",o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {ou}}});
    }
    add("uniqueIdentifier=R0A,ou=Organisations,o=nhs",
        {{"objectClass", {"top", "organization", "nhsOrg"}}, {"uniqueIdentifier", {"R0A"}}, {"o", {"Test Trust"}},
         {"nhsIDCode", {"R0A"}}, {"nhsOrgType", {"NHS Trust"}}, {"nhsOrgTypeCode", {"1"}},
         {"postalAddress", {"1 Test Road"}}, {"postalCode", {"LS1 1AA"}}, {"l", {"Leeds"}}});
  }

  void add_catalogue() {
    for (const directory::Entry& entry : rbac::rbac_container_entries()) {
      add(entry);
    }
    rbac::Catalogue catalogue;
    catalogue.add_activity({"B0100", "View Record", {}});
    catalogue.add_activity({"B0200", "Amend Record", {"B0100"}});
    catalogue.add_activity({"B0300", "Manage Ward", {}});
    catalogue.add_baseline_rule({"R8000", "", {"B0200"}});
    for (const directory::Entry& entry : rbac::catalogue_entries(catalogue, "20261201")) {
      add(entry);
    }
    add(rbac::position_entry(rbac::Position{"", "Ward Clerk", "R0A", "R8000", {"B0300"}, {"WG-1"}, {}}));
  }

  void add_person() {
    add(kOrgPerson, {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsOrgPerson"}},
                     {"uniqueIdentifier", {"100"}}, {"uid", {kUid}}, {"cn", {"Ada Lovelace"}},
                     {"sn", {"Lovelace"}}, {"o", {"Test Trust"}}, {"nhsIDCode", {"R0A"}}});
    add_role("101", {{"careidRolePosition", {rbac::position_dn("R0A", "Ward Clerk")}},
                     {"careidRoleStartDate", {"20200101000000Z"}}});
    add_role("102", {{"careidRoleStartDate", {"20200101000000Z"}}, {"careidRoleEndDate", {"20210101000000Z"}}});
  }

  void add_role(const std::string& id, std::vector<std::pair<std::string, std::vector<std::string>>> extra) {
    std::vector<std::pair<std::string, std::vector<std::string>>> values = {
        {"objectClass", {"top", "nhsOrgPersonRole", "careidRoleProfile"}},
        {"uniqueIdentifier", {id}},
        {"nhsJobRole", {"Clinical Practitioner Access Role"}},
        {"nhsJobRoleCode", {"S8000:G8000:R8000"}},
        {"nhsIDCode", {"R0A"}}};
    values.insert(values.end(), extra.begin(), extra.end());
    add("uniqueIdentifier=" + id + "," + kOrgPerson, values);
  }
};

std::vector<std::string> codes(const RoleProfile& role) {
  std::vector<std::string> result;
  for (const RoleActivity& activity : role.activities) {
    result.push_back(activity.code);
  }
  return result;
}

// Returns the one active role profile of person 555000000001.
RoleProfile only_role(DirectoryIdentitySource& source) {
  auto person = source.find_person(kUid);
  REQUIRE(person.ok());
  REQUIRE(person->has_value());
  REQUIRE((*person)->roles.size() == 1);
  return (*person)->roles[0];
}

TEST_CASE("identity source drops ended roles", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs");

  RoleProfile role = only_role(source);
  CHECK(role.id == "101");
  CHECK(role.org_name == "Test Trust");
}

TEST_CASE("identity source adds role activities", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs");

  RoleProfile role = only_role(source);
  CHECK(codes(role) == std::vector<std::string>{"B0100", "B0200", "B0300"});
  CHECK(role.activities[1].name == "Amend Record");
  CHECK(role.workgroups == std::vector<std::string>{"WG-1"});
}

TEST_CASE("identity source caches grants", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs", std::chrono::seconds(3600));
  REQUIRE(source.find_person(kUid).ok());

  // A workgroup added to the position is not seen until the cached grants expire.
  protocol::ModifyRequest extra{rbac::position_dn("R0A", "Ward Clerk"),
                                {{protocol::ModifyOperation::kAdd, {"careidWorkgroupCode", {"WG-2"}}}}};
  REQUIRE(f.directory->modify(extra, f.root).result_code == directory::ResultCode::kSuccess);
  CHECK(only_role(source).workgroups == std::vector<std::string>{"WG-1"});

  DirectoryIdentitySource fresh(*f.directory, "o=nhs", std::chrono::seconds(3600));
  CHECK(only_role(fresh).workgroups == std::vector<std::string>{"WG-1", "WG-2"});
}

// Returns person 555000000001 as find_person does, with both role profiles offered, as a
// role page built before the second one ended would have listed them.
Person offered_person(DirectoryIdentitySource& source) {
  auto person = source.find_person(kUid);
  REQUIRE(person.ok());
  REQUIRE(person->has_value());
  Person offered = **person;
  RoleProfile ended = offered.roles.at(0);
  ended.id = "102";
  ended.dn = std::string("uniqueIdentifier=102,") + kOrgPerson;
  offered.roles.push_back(ended);
  return offered;
}

TEST_CASE("person role reread matches search", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs");
  Person offered = offered_person(source);

  auto reread = source.find_person_role(offered, "101");
  REQUIRE(reread.ok());
  REQUIRE(reread->has_value());
  const Person& person = **reread;
  CHECK(person.dn == offered.dn);
  CHECK(person.uid == kUid);
  CHECK(person.cn == offered.cn);
  REQUIRE(person.roles.size() == 1);
  const RoleProfile& role = person.roles[0];
  CHECK(role.id == "101");
  CHECK(role.dn == std::string("uniqueIdentifier=101,") + kOrgPerson);
  CHECK(role.org_code == "R0A");
  CHECK(role.org_name == "Test Trust");
  CHECK(role.job_role_code == "S8000:G8000:R8000");
  CHECK(codes(role) == std::vector<std::string>{"B0100", "B0200", "B0300"});
  CHECK(role.workgroups == std::vector<std::string>{"WG-1"});
}

TEST_CASE("person role reread drops ended role", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs");
  Person offered = offered_person(source);

  // Role profile 102 ended in 2021, and 999 was never offered.
  for (const char* role_id : {"102", "999"}) {
    auto reread = source.find_person_role(offered, role_id);
    REQUIRE(reread.ok());
    REQUIRE(reread->has_value());
    CHECK((*reread)->uid == kUid);
    CHECK((*reread)->roles.empty());
  }
}

TEST_CASE("person role reread sees deletions", "[federation][identity]") {
  Fixture f;
  DirectoryIdentitySource source(*f.directory, "o=nhs");
  Person offered = offered_person(source);

  std::string role_dn = std::string("uniqueIdentifier=101,") + kOrgPerson;
  REQUIRE(f.directory->remove(protocol::DelRequest{role_dn}, f.root).result_code ==
          directory::ResultCode::kSuccess);
  auto without_role = source.find_person_role(offered, "101");
  REQUIRE(without_role.ok());
  REQUIRE(without_role->has_value());
  CHECK((*without_role)->roles.empty());

  for (const std::string& dn : {std::string("uniqueIdentifier=102,") + kOrgPerson, std::string(kOrgPerson),
                                offered.dn}) {
    REQUIRE(f.directory->remove(protocol::DelRequest{dn}, f.root).result_code ==
            directory::ResultCode::kSuccess);
  }
  auto without_person = source.find_person_role(offered, "101");
  REQUIRE(without_person.ok());
  CHECK_FALSE(without_person->has_value());
}

}  // namespace
}  // namespace careid::federation
