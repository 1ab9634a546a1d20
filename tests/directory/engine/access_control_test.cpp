// The engine's access checks with the default policy: search visibility, attribute and
// filter hiding, writes by a registration authority inside and outside its organisation,
// rename, Password Modify, the bind lockout, role profile dates, and the read entry and
// assertion controls. A policy with an activity rule checks that RBAC baseline
// activities count.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/auth/password.h"
#include "directory/engine/directory.h"
#include "directory/engine/open_directory.h"
#include "directory/schema/schema_file.h"
#include "rbac/rbac_entries.h"

namespace {

namespace fs = std::filesystem;
using careid::directory::ResultCode;
using careid::directory::engine::Directory;
using careid::directory::engine::Identity;
namespace protocol = careid::directory::protocol;
using Attributes = std::vector<protocol::PartialAttribute>;

constexpr auto kSub = protocol::SearchScope::kWholeSubtree;

// o=nhs with two people: uid=1 works at organisation A as a registration authority
// (R5080), uid=2 works at organisation B. Both have the password "pw".
struct Fixture {
  fs::path folder;
  std::unique_ptr<Directory> directory;
  Identity root{"cn=admin,o=nhs", "cn=admin,o=nhs", true};

  // An empty `policy_text` selects the default policy.
  explicit Fixture(std::uint32_t lockout_failures = 3, const std::string& policy_text = "") {
    static int counter = 0;
    folder = fs::temp_directory_path() / ("careid-access-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(folder);
    auto schema = careid::directory::schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
    REQUIRE(schema.ok());
    fs::path policy_file;
    if (!policy_text.empty()) {
      policy_file = folder.string() + ".policy.toml";
      std::ofstream(policy_file) << policy_text;
    }
    auto policy = careid::directory::engine::load_access_policy(**schema, policy_file);
    INFO((policy.ok() ? "" : policy.status().message()));
    REQUIRE(policy.ok());
    careid::directory::engine::DirectoryOptions options;
    options.store_folder = folder;
    options.map_size_bytes = 64 << 20;
    options.sync = false;
    options.access_policy = *policy;
    options.lockout_failures = lockout_failures;
    options.lockout_seconds = 600;
    auto opened = Directory::open(std::move(*schema), options);
    REQUIRE(opened.ok());
    directory = std::move(*opened);

    require_add("o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}});
    require_add("ou=People,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"People"}}});
    add_person("1", "A", "S0080:G0450:R5080");
    add_person("2", "B", "S8000:G8000:R8000");
  }

  ~Fixture() {
    directory.reset();
    fs::remove_all(folder);
    fs::remove(folder.string() + ".policy.toml");
  }

  static Attributes person(const std::string& uid) {
    return {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson"}},
            {"uid", {uid}}, {"cn", {"Person " + uid}}, {"sn", {"Person"}}, {"nhsPersonStatus", {"Active"}},
            {"telephoneNumber", {"0100 " + uid}}, {"description", {"private"}}};
  }

  void add_person(const std::string& uid, const std::string& org, const std::string& role) {
    const std::string dn = "uid=" + uid + ",ou=People,o=nhs";
    require_add(dn, person(uid));
    require_add("uniqueIdentifier=" + uid + "0," + dn,
                {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsOrgPerson"}},
                 {"uniqueIdentifier", {uid + "0"}}, {"uid", {uid}}, {"cn", {"Person " + uid}}, {"sn", {"Person"}},
                 {"o", {"Org " + org}}, {"nhsIDCode", {org}}});
    require_add("uniqueIdentifier=" + uid + "1,uniqueIdentifier=" + uid + "0," + dn,
                {{"objectClass", {"top", "nhsOrgPersonRole"}}, {"uniqueIdentifier", {uid + "1"}},
                 {"nhsJobRole", {"Role"}}, {"nhsJobRoleCode", {role}}, {"nhsIDCode", {org}}});
    auto hash = careid::directory::auth::hash_password(careid::directory::auth::PasswordScheme::kSsha, "pw");
    protocol::ModifyRequest set_password{dn, {{protocol::ModifyOperation::kReplace, {"userPassword", {*hash}}}}};
    REQUIRE(directory->modify(set_password, root).result_code == ResultCode::kSuccess);
  }

  // Adds a person at `org` with one role profile from `start` up to `end` (Generalized
  // Time; empty for none).
  void add_dated_person(const std::string& uid, const std::string& org, const std::string& role,
                        const std::string& start, const std::string& end) {
    add_person(uid, org, role);
    const std::string profile = "uniqueIdentifier=" + uid + "1,uniqueIdentifier=" + uid + "0,uid=" + uid + ",ou=People,o=nhs";
    protocol::ModifyRequest dates{profile, {{protocol::ModifyOperation::kAdd, {"objectClass", {"careidRoleProfile"}}}}};
    if (!start.empty()) {
      dates.changes.push_back({protocol::ModifyOperation::kAdd, {"careidRoleStartDate", {start}}});
    }
    if (!end.empty()) {
      dates.changes.push_back({protocol::ModifyOperation::kAdd, {"careidRoleEndDate", {end}}});
    }
    protocol::LdapResult result = directory->modify(dates, root);
    INFO(result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  void require_add(const careid::directory::Entry& entry) {
    Attributes attributes;
    for (const auto& attribute : entry.attributes) {
      attributes.push_back({attribute.description, attribute.values});
    }
    require_add(entry.dn, std::move(attributes));
  }

  void require_add(const std::string& dn, Attributes attributes) {
    protocol::LdapResult result = directory->add(protocol::AddRequest{dn, std::move(attributes)}, root);
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  Identity bind(const std::string& uid) {
    Identity identity;
    auto result = directory->bind_simple("uid=" + uid + ",ou=People,o=nhs", "pw", identity);
    INFO(result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
    return identity;
  }

  // Returns the entries found, each as its DN followed by its attribute names.
  std::vector<std::vector<std::string>> search(const std::string& filter, const Identity& identity,
                                               ResultCode* code = nullptr) {
    protocol::SearchRequest request;
    request.base_object = "o=nhs";
    request.scope = kSub;
    request.filter = *protocol::parse_filter(filter);
    std::vector<std::vector<std::string>> found;
    auto done = directory->search(request, identity, [&](protocol::SearchResultEntry&& entry) {
      std::vector<std::string> row{entry.object_name};
      for (const auto& attribute : entry.attributes) {
        row.push_back(attribute.type);
      }
      found.push_back(row);
      return true;
    });
    if (code != nullptr) {
      *code = done.result_code;
    }
    return found;
  }

  ResultCode modify(const std::string& dn, const std::string& attribute, const std::string& value,
                    const Identity& identity) {
    protocol::ModifyRequest request{dn, {{protocol::ModifyOperation::kReplace, {attribute, {value}}}}};
    return directory->modify(request, identity).result_code;
  }
};

bool has(const std::vector<std::string>& row, const std::string& name) {
  return std::find(row.begin(), row.end(), name) != row.end();
}

}  // namespace

TEST_CASE("anonymous search finds nothing", "[directory][engine][access]") {
  Fixture f;
  ResultCode code = ResultCode::kOther;
  CHECK(f.search("(objectClass=*)", Identity{}, &code).empty());
  CHECK(code == ResultCode::kNoSuchObject);  // the base itself is hidden
}

TEST_CASE("user sees public attributes only", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  auto found = f.search("(&(objectClass=nhsPerson)(uid=1))", user);
  REQUIRE(found.size() == 1);
  CHECK(has(found[0], "cn"));
  CHECK(has(found[0], "telephoneNumber"));
  CHECK_FALSE(has(found[0], "description"));
  CHECK_FALSE(has(found[0], "userPassword"));

  auto own = f.search("(&(objectClass=nhsPerson)(uid=2))", user);
  REQUIRE(own.size() == 1);
  CHECK(has(own[0], "description"));
}

TEST_CASE("filter on hidden attribute is undefined", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  CHECK(f.search("(&(uid=1)(description=private))", user).empty());
  CHECK(f.search("(&(uid=1)(!(description=private)))", user).empty());
  CHECK(f.search("(&(uid=1)(description=*))", user).empty());
  CHECK(f.search("(&(uid=2)(description=private))", user).size() == 1);
  CHECK(f.search("(userPassword=*)", f.root).empty());
}

TEST_CASE("hidden attribute inside OR filter", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  // uid=1's description is hidden from uid=2, so it is Undefined there, and every person's
  // description is "private".
  CHECK(f.search("(&(uid=1)(|(description=private)(uid=9)))", user).empty());
  CHECK(f.search("(&(objectClass=nhsPerson)(|(!(description=other))(uid=9)))", user).size() == 1);
  CHECK(f.search("(&(objectClass=nhsPerson)(uid=1)(|(description=private)(uid=*)))", user).size() == 1);
  CHECK(f.search("(&(objectClass=nhsPerson)(|(description=private)(uid=1)))", user).size() == 2);
}

TEST_CASE("registration authority writes own organisation", "[directory][engine][access]") {
  Fixture f;
  Identity ra = f.bind("1");
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 9", ra) == ResultCode::kSuccess);
  CHECK(f.modify("uid=2,ou=People,o=nhs", "telephoneNumber", "0100 9", ra) == ResultCode::kInsufficientAccessRights);
  CHECK(f.modify("uniqueIdentifier=21,uniqueIdentifier=20,uid=2,ou=People,o=nhs", "nhsJobRole", "X", ra) ==
        ResultCode::kInsufficientAccessRights);

  // A new person belongs to no organisation until the RA gives them a role there.
  protocol::AddRequest add{"uid=3,ou=People,o=nhs", Fixture::person("3")};
  CHECK(f.directory->add(add, ra).result_code == ResultCode::kSuccess);
  protocol::AddRequest org_b{"uniqueIdentifier=30,uid=3,ou=People,o=nhs",
                             {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsOrgPerson"}},
                              {"uniqueIdentifier", {"30"}}, {"uid", {"3"}}, {"cn", {"P"}}, {"sn", {"P"}},
                              {"o", {"Org B"}}, {"nhsIDCode", {"B"}}}};
  CHECK(f.directory->add(org_b, ra).result_code == ResultCode::kInsufficientAccessRights);

  // Moving a role profile to another organisation is checked on the result too.
  CHECK(f.modify("uniqueIdentifier=11,uniqueIdentifier=10,uid=1,ou=People,o=nhs", "nhsIDCode", "B", ra) ==
        ResultCode::kInsufficientAccessRights);
}

TEST_CASE("user cannot add delete or rename", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  CHECK(f.directory->add(protocol::AddRequest{"uid=4,ou=People,o=nhs", Fixture::person("4")}, user).result_code ==
        ResultCode::kInsufficientAccessRights);
  CHECK(f.directory->remove(protocol::DelRequest{"uniqueIdentifier=11,uniqueIdentifier=10,uid=1,ou=People,o=nhs"}, user)
            .result_code == ResultCode::kInsufficientAccessRights);
  protocol::ModifyDnRequest rename{"uniqueIdentifier=11,uniqueIdentifier=10,uid=1,ou=People,o=nhs",
                                   "uniqueIdentifier=12", true, std::nullopt};
  CHECK(f.directory->modify_dn(rename, user).result_code == ResultCode::kInsufficientAccessRights);

  Identity ra = f.bind("1");
  CHECK(f.directory->modify_dn(rename, ra).result_code == ResultCode::kSuccess);
  CHECK(f.directory->remove(protocol::DelRequest{"uniqueIdentifier=12,uniqueIdentifier=10,uid=1,ou=People,o=nhs"}, ra)
            .result_code == ResultCode::kSuccess);
}

TEST_CASE("compare needs compare access", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  protocol::CompareRequest public_value{"uid=1,ou=People,o=nhs", {"cn", "Person 1"}};
  CHECK(f.directory->compare(public_value, user).result_code == ResultCode::kCompareTrue);
  protocol::CompareRequest hidden{"uid=1,ou=People,o=nhs", {"description", "private"}};
  CHECK(f.directory->compare(hidden, user).result_code == ResultCode::kInsufficientAccessRights);
  CHECK(f.directory->compare(public_value, Identity{}).result_code == ResultCode::kNoSuchObject);
}

TEST_CASE("password modify by policy", "[directory][engine][access]") {
  Fixture f;
  Identity user = f.bind("2");
  protocol::PasswordModifyRequest other{"uid=1,ou=People,o=nhs", std::nullopt, std::string("new")};
  CHECK(f.directory->modify_password(other, user).result.result_code == ResultCode::kInsufficientAccessRights);

  Identity ra = f.bind("1");
  protocol::PasswordModifyRequest own_org{"uid=1,ou=People,o=nhs", std::string("pw"), std::string("pw2")};
  CHECK(f.directory->modify_password(own_org, ra).result.result_code == ResultCode::kSuccess);
  auto stored = f.directory->read_entry("uid=1,ou=People,o=nhs");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK_THAT(std::string((*stored)->first_value("userPassword")),
             Catch::StartsWith("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$"));
  protocol::PasswordModifyRequest org_b{"uid=2,ou=People,o=nhs", std::nullopt, std::string("pw3")};
  CHECK(f.directory->modify_password(org_b, ra).result.result_code == ResultCode::kInsufficientAccessRights);
}

TEST_CASE("bind lockout after failures", "[directory][engine][access]") {
  Fixture f(3);
  Identity identity;
  const std::string dn = "uid=2,ou=People,o=nhs";
  for (int i = 0; i < 3; ++i) {
    auto result = f.directory->bind_simple(dn, "wrong", identity);
    CHECK(result.result_code == ResultCode::kInvalidCredentials);
    CHECK(result.diagnostic_message == "invalid DN or password");  // no hint before the lock
  }
  auto locked = f.directory->bind_simple(dn, "pw", identity);
  CHECK(locked.result_code == ResultCode::kInvalidCredentials);
  CHECK_THAT(locked.diagnostic_message, Catch::Contains("locked") && Catch::Contains("until 20"));

  // The user cannot unlock themselves; the root DN can.
  Identity ra = f.bind("1");
  protocol::ModifyRequest unlock{dn, {{protocol::ModifyOperation::kDelete, {"pwdAccountLockedTime", {}}}}};
  CHECK(f.directory->modify(unlock, ra).result_code == ResultCode::kInsufficientAccessRights);
  CHECK(f.directory->modify(unlock, f.root).result_code == ResultCode::kSuccess);
  CHECK(f.directory->bind_simple(dn, "pw", identity).result_code == ResultCode::kSuccess);
}

TEST_CASE("ended or future role grants nothing", "[directory][engine][access]") {
  Fixture f;
  // R5080 at A: person 3 until 2020, person 4 from 2999, person 5 until 2999.
  f.add_dated_person("3", "A", "S0080:G0450:R5080", "20190101000000Z", "20200101000000Z");
  f.add_dated_person("4", "A", "S0080:G0450:R5080", "29990101000000Z", "");
  f.add_dated_person("5", "A", "S0080:G0450:R5080", "20190101000000Z", "29990101000000Z");

  Identity ended = f.bind("3");
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 7", ended) ==
        ResultCode::kInsufficientAccessRights);
  Identity future = f.bind("4");
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 7", future) ==
        ResultCode::kInsufficientAccessRights);
  Identity current = f.bind("5");
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 7", current) == ResultCode::kSuccess);
}

namespace {

// Subjects with activity B0100 at the target's organisation write, everyone bound reads, and
// binds need auth on userPassword.
constexpr const char* kActivityPolicy = R"toml(
[[rule]]
name = "bind"
attributes = ["userPassword"]
grant = "auth"

[[rule]]
name = "activity-writers"
subtree = "ou=People,o=nhs"
activities = ["B0100"]
at_target_organisation = true
grant = "write"

[[rule]]
name = "readers"
who = "authenticated"
grant = "read"
)toml";

// B0200 includes B0100. R8000's baseline is B0200, so R8000 holders have B0100 through the
// include; R5080 has no baseline.
void add_catalogue(Fixture& f) {
  namespace rbac = careid::rbac;
  f.require_add("ou=Roles,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"Roles"}}});
  for (const careid::directory::Entry& entry : rbac::rbac_container_entries()) {
    f.require_add(entry);
  }
  rbac::Catalogue catalogue;
  catalogue.add_activity({"B0100", "Edit People", {}});
  catalogue.add_activity({"B0200", "Manage People", {"B0100"}});
  catalogue.add_baseline_rule({"R8000", "", {"B0200"}});
  for (const careid::directory::Entry& entry : rbac::catalogue_entries(catalogue, "20261201")) {
    f.require_add(entry);
  }
}

}  // namespace

TEST_CASE("activity rule uses rbac baseline", "[directory][engine][access]") {
  Fixture f(3, kActivityPolicy);
  add_catalogue(f);

  // Person 2 has R8000 at B, so B0200 by baseline and B0100 through its include.
  Identity user = f.bind("2");
  CHECK(f.modify("uid=2,ou=People,o=nhs", "telephoneNumber", "0100 8", user) == ResultCode::kSuccess);
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 8", user) ==
        ResultCode::kInsufficientAccessRights);

  // Person 1 has R5080, whose baseline is empty.
  Identity ra = f.bind("1");
  CHECK(f.modify("uid=1,ou=People,o=nhs", "telephoneNumber", "0100 8", ra) == ResultCode::kInsufficientAccessRights);
}

TEST_CASE("activity rule ignores ended role", "[directory][engine][access]") {
  Fixture f(3, kActivityPolicy);
  add_catalogue(f);
  f.add_dated_person("3", "B", "S8000:G8000:R8000", "20190101000000Z", "20200101000000Z");

  Identity ended = f.bind("3");
  CHECK(f.modify("uid=2,ou=People,o=nhs", "telephoneNumber", "0100 8", ended) ==
        ResultCode::kInsufficientAccessRights);
}

TEST_CASE("read controls show readable attributes", "[directory][engine][access]") {
  Fixture f;
  auto entry = f.directory->read_entry("uid=1,ou=People,o=nhs");
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());

  Identity user = f.bind("2");
  auto seen = f.directory->entry_as_read_by(**entry, {"*", "+", "userPassword"}, user);
  REQUIRE(seen.has_value());
  std::vector<std::string> names{seen->object_name};
  for (const auto& attribute : seen->attributes) {
    names.push_back(attribute.type);
  }
  CHECK(has(names, "cn"));
  CHECK(has(names, "telephoneNumber"));
  CHECK_FALSE(has(names, "description"));
  CHECK_FALSE(has(names, "userPassword"));

  auto own = f.directory->entry_as_read_by(**entry, {"description"}, f.bind("1"));
  REQUIRE(own.has_value());
  REQUIRE(own->attributes.size() == 1);
  CHECK(own->attributes[0].values == std::vector<std::string>{"private"});

  CHECK_FALSE(f.directory->entry_as_read_by(**entry, {"*"}, Identity{}).has_value());
}

TEST_CASE("assertion on hidden attribute fails", "[directory][engine][access]") {
  using Outcome = Directory::AssertionOutcome;
  Fixture f;
  auto entry = f.directory->read_entry("uid=1,ou=People,o=nhs");
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  const auto hidden = *protocol::parse_filter("(description=private)");
  const auto visible = *protocol::parse_filter("(cn=Person 1)");

  Identity user = f.bind("2");
  CHECK(f.directory->check_assertion(hidden, **entry, user) == Outcome::kFails);
  CHECK(f.directory->check_assertion(visible, **entry, user) == Outcome::kHolds);
  CHECK(f.directory->check_assertion(hidden, **entry, f.bind("1")) == Outcome::kHolds);
  CHECK(f.directory->check_assertion(hidden, **entry, f.root) == Outcome::kHolds);
  CHECK(f.directory->check_assertion(visible, **entry, Identity{}) == Outcome::kEntryHidden);
  CHECK(f.directory->check_assertion(hidden, **entry, Identity{}) == Outcome::kEntryHidden);
}
