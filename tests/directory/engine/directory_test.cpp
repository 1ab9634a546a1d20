#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/auth/password.h"
#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using careid::directory::ResultCode;
using careid::directory::engine::Directory;
using careid::directory::engine::Identity;
namespace protocol = careid::directory::protocol;

// A directory in a fresh temporary folder with the real schema and a small tree:
// o=nhs, ou=People, and one nhsPerson with one role profile below an org person.
struct Fixture {
  fs::path folder;
  std::unique_ptr<Directory> directory;
  Identity root{"cn=admin,o=nhs", "cn=admin,o=nhs", true};

  Fixture() {
    static int counter = 0;
    folder = fs::temp_directory_path() / ("careid-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(folder);
    auto schema = careid::directory::schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
    REQUIRE(schema.ok());
    careid::directory::engine::DirectoryOptions options;
    options.store_folder = folder;
    options.size_limit = 2;
    options.map_size_bytes = 64 << 20;
    options.sync = false;
    options.root_password_hash = *careid::directory::auth::hash_password(
        careid::directory::auth::PasswordScheme::kSsha, "secret");
    auto opened = Directory::open(std::move(*schema), options);
    REQUIRE(opened.ok());
    directory = std::move(*opened);

    require_add("o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}});
    require_add("ou=People,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"People"}}});
    require_add("uid=555000000001,ou=People,o=nhs", person("555000000001", "Demo Doctor"));
    require_add("uid=555000000002,ou=People,o=nhs", person("555000000002", "Anne Smith-Jones"));
    require_add("uid=555000000003,ou=People,o=nhs", person("555000000003", "Bob Brown"));
  }

  ~Fixture() {
    directory.reset();
    fs::remove_all(folder);
  }

  static std::vector<protocol::PartialAttribute> person(const std::string& uid, const std::string& cn) {
    return {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson"}},
            {"uid", {uid}}, {"cn", {cn}}, {"sn", {cn.substr(cn.find(' ') + 1)}}, {"nhsPersonStatus", {"Active"}}};
  }

  protocol::LdapResult add(const std::string& dn, std::vector<protocol::PartialAttribute> attributes) {
    return directory->add(protocol::AddRequest{dn, std::move(attributes)}, root);
  }

  void require_add(const std::string& dn, std::vector<protocol::PartialAttribute> attributes) {
    protocol::LdapResult result = add(dn, std::move(attributes));
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  // Runs a search and returns the DNs found and the result code.
  std::pair<std::vector<std::string>, ResultCode> search(const std::string& base, protocol::SearchScope scope,
                                                         const std::string& filter, std::int32_t size_limit = 0,
                                                         const Identity& identity = {}) {
    protocol::SearchRequest request;
    request.base_object = base;
    request.scope = scope;
    request.size_limit = size_limit;
    request.filter = *protocol::parse_filter(filter);
    std::vector<std::string> found;
    auto done = directory->search(request, identity, [&](protocol::SearchResultEntry&& entry) {
      found.push_back(entry.object_name);
      return true;
    });
    return {found, done.result_code};
  }
};

constexpr auto kSub = protocol::SearchScope::kWholeSubtree;
constexpr auto kOne = protocol::SearchScope::kSingleLevel;
constexpr auto kBase = protocol::SearchScope::kBaseObject;

}  // namespace

TEST_CASE("search scopes return right entries", "[directory][engine]") {
  Fixture f;
  CHECK(f.search("o=nhs", kBase, "(objectClass=*)").first == std::vector<std::string>{"o=nhs"});
  CHECK(f.search("o=nhs", kOne, "(objectClass=*)").first == std::vector<std::string>{"ou=People,o=nhs"});
  CHECK(f.search("o=nhs", kSub, "(objectClass=*)", 0, f.root).first.size() == 5);
  CHECK(f.search("OU=people, O=NHS", kOne, "(uid=555000000001)").first.size() == 1);
}

TEST_CASE("search filters of every type", "[directory][engine]") {
  Fixture f;
  auto count = [&](const std::string& filter) { return f.search("o=nhs", kSub, filter, 0, f.root).first.size(); };
  CHECK(count("(uid=555000000001)") == 1);
  CHECK(count("(cn=demo DOCTOR)") == 1);
  CHECK(count("(cn=*smith*)") == 1);
  CHECK(count("(cn=Bob*)") == 1);
  CHECK(count("(cn~=anne smithjones)") == 1);
  CHECK(count("(&(objectClass=nhsPerson)(!(uid=555000000001)))") == 2);
  CHECK(count("(|(uid=555000000001)(uid=555000000003))") == 2);
  CHECK(count("(createTimestamp>=19700101000000Z)") == 5);
  CHECK(count("(createTimestamp<=19700101000000Z)") == 0);
  CHECK(count("(uid>=555000000002)") == 0);  // uid has no ORDERING rule: Undefined
  CHECK(count("(nhsPersonStatus=*)") == 3);
  CHECK(count("(noSuchAttribute=1)") == 0);
  CHECK(count("(&)") == 5);
  CHECK(count("(|)") == 0);
}

TEST_CASE("search size limit stops with code", "[directory][engine]") {
  Fixture f;
  auto [found, code] = f.search("ou=People,o=nhs", kOne, "(objectClass=nhsPerson)");
  CHECK(found.size() == 2);
  CHECK(code == ResultCode::kSizeLimitExceeded);

  auto [client_found, client_code] = f.search("ou=People,o=nhs", kOne, "(objectClass=nhsPerson)", 1, f.root);
  CHECK(client_found.size() == 1);
  CHECK(client_code == ResultCode::kSizeLimitExceeded);

  auto [root_found, root_code] = f.search("ou=People,o=nhs", kOne, "(objectClass=nhsPerson)", 0, f.root);
  CHECK(root_found.size() == 3);
  CHECK(root_code == ResultCode::kSuccess);
}

TEST_CASE("search missing base gives matched DN", "[directory][engine]") {
  Fixture f;
  protocol::SearchRequest request;
  request.base_object = "uid=1,ou=Nowhere,ou=People,o=nhs";
  request.filter = *protocol::parse_filter("(objectClass=*)");
  auto done = f.directory->search(request, {}, [](protocol::SearchResultEntry&&) { return true; });
  CHECK(done.result_code == ResultCode::kNoSuchObject);
  CHECK(done.matched_dn == "ou=People,o=nhs");
}

TEST_CASE("add errors carry LDAP codes", "[directory][engine]") {
  Fixture f;
  CHECK(f.add("uid=555000000001,ou=People,o=nhs", Fixture::person("555000000001", "Again")).result_code ==
        ResultCode::kEntryAlreadyExists);
  CHECK(f.add("uid=555000000009,ou=Missing,o=nhs", Fixture::person("555000000009", "X Y")).result_code ==
        ResultCode::kNoSuchObject);
  CHECK(f.add("uid=555000000009,ou=People,o=nhs", {{"objectClass", {"top", "person"}}, {"cn", {"X"}}})
            .result_code == ResultCode::kObjectClassViolation);
  CHECK(f.add("cn=x,ou=People,o=nhs", {{"objectClass", {"top", "person"}}, {"cn", {"x"}}, {"sn", {"y"}},
                                        {"madeUpAttribute", {"1"}}})
            .result_code == ResultCode::kUndefinedAttributeType);
  CHECK(f.add("bad dn", Fixture::person("555000000009", "X Y")).result_code == ResultCode::kInvalidDnSyntax);
  CHECK(f.add("cn=x,ou=People,o=nhs", {{"objectClass", {"top", "person"}}, {"cn", {"x"}}, {"sn", {"y"}},
                                        {"createTimestamp", {"20260101000000Z"}}})
            .result_code == ResultCode::kConstraintViolation);
}

TEST_CASE("anonymous writes are rejected", "[directory][engine]") {
  Fixture f;
  auto result = f.directory->add(protocol::AddRequest{"cn=x,o=nhs", {}}, Identity{});
  CHECK(result.result_code == ResultCode::kInsufficientAccessRights);
}

TEST_CASE("modify applies changes and checks", "[directory][engine]") {
  Fixture f;
  const std::string dn = "uid=555000000001,ou=People,o=nhs";
  auto modify = [&](protocol::ModifyOperation op, const std::string& type, std::vector<std::string> values) {
    protocol::ModifyRequest request{dn, {protocol::Modification{op, {type, std::move(values)}}}};
    return f.directory->modify(request, f.root).result_code;
  };
  CHECK(modify(protocol::ModifyOperation::kAdd, "mail", {"demo@nhs.net"}) == ResultCode::kSuccess);
  CHECK(modify(protocol::ModifyOperation::kAdd, "mail", {"DEMO@nhs.net"}) == ResultCode::kAttributeOrValueExists);
  CHECK(modify(protocol::ModifyOperation::kDelete, "mail", {"other@nhs.net"}) == ResultCode::kNoSuchAttribute);
  CHECK(modify(protocol::ModifyOperation::kReplace, "cn", {"Doctor Demo"}) == ResultCode::kSuccess);
  CHECK(f.search("o=nhs", kSub, "(cn=doctor demo)", 0, f.root).first.size() == 1);
  CHECK(modify(protocol::ModifyOperation::kDelete, "uid", {}) == ResultCode::kNotAllowedOnRdn);
  CHECK(modify(protocol::ModifyOperation::kDelete, "sn", {}) == ResultCode::kObjectClassViolation);
  CHECK(modify(protocol::ModifyOperation::kReplace, "nosuch", {"1"}) == ResultCode::kUndefinedAttributeType);
  CHECK(modify(protocol::ModifyOperation::kReplace, "modifyTimestamp", {"1"}) == ResultCode::kConstraintViolation);
}

TEST_CASE("delete leaf and non-leaf", "[directory][engine]") {
  Fixture f;
  auto remove = [&](const std::string& dn) { return f.directory->remove(protocol::DelRequest{dn}, f.root).result_code; };
  CHECK(remove("ou=People,o=nhs") == ResultCode::kNotAllowedOnNonLeaf);
  CHECK(remove("uid=555000000003,ou=People,o=nhs") == ResultCode::kSuccess);
  CHECK(remove("uid=555000000003,ou=People,o=nhs") == ResultCode::kNoSuchObject);
  CHECK(f.search("o=nhs", kSub, "(uid=555000000003)").first.empty());
}

TEST_CASE("bind checks root and entry passwords", "[directory][engine]") {
  Fixture f;
  Identity identity;
  CHECK(f.directory->bind_simple("cn=admin,o=nhs", "secret", identity).result_code == ResultCode::kSuccess);
  CHECK(identity.is_root);
  CHECK(f.directory->bind_simple("cn=admin,o=nhs", "wrong", identity).result_code == ResultCode::kInvalidCredentials);
  CHECK(f.directory->bind_simple("cn=admin,o=nhs", "", identity).result_code == ResultCode::kUnwillingToPerform);
  CHECK(f.directory->bind_simple("", "", identity).result_code == ResultCode::kSuccess);

  const std::string dn = "uid=555000000002,ou=People,o=nhs";
  auto hash = careid::directory::auth::hash_password(careid::directory::auth::PasswordScheme::kSsha, "pw");
  protocol::ModifyRequest set_password{dn, {{protocol::ModifyOperation::kReplace, {"userPassword", {*hash}}}}};
  REQUIRE(f.directory->modify(set_password, f.root).result_code == ResultCode::kSuccess);
  CHECK(f.directory->bind_simple(dn, "pw", identity).result_code == ResultCode::kSuccess);
  CHECK_FALSE(identity.is_root);
  CHECK(f.directory->bind_simple(dn, "nope", identity).result_code == ResultCode::kInvalidCredentials);
  CHECK(f.directory->bind_simple("uid=9,o=nhs", "pw", identity).result_code == ResultCode::kInvalidCredentials);
}

TEST_CASE("userPassword hidden from non-root readers", "[directory][engine]") {
  Fixture f;
  const std::string dn = "uid=555000000002,ou=People,o=nhs";
  protocol::ModifyRequest set_password{dn, {{protocol::ModifyOperation::kReplace, {"userPassword", {"{SSHA}abc"}}}}};
  REQUIRE(f.directory->modify(set_password, f.root).result_code == ResultCode::kSuccess);

  auto has_password = [&](const Identity& identity) {
    protocol::SearchRequest request;
    request.base_object = dn;
    request.filter = *protocol::parse_filter("(objectClass=*)");
    bool seen = false;
    f.directory->search(request, identity, [&](protocol::SearchResultEntry&& entry) {
      for (const auto& attribute : entry.attributes) {
        seen = seen || attribute.type == "userPassword";
      }
      return true;
    });
    return seen;
  };
  CHECK_FALSE(has_password(Identity{}));
  CHECK(has_password(f.root));
}

TEST_CASE("root DSE and subschema are served", "[directory][engine]") {
  Fixture f;
  protocol::SearchRequest request;
  request.filter = *protocol::parse_filter("(objectClass=*)");
  request.attributes = {"+"};
  std::vector<std::string> types;
  f.directory->search(request, {}, [&](protocol::SearchResultEntry&& entry) {
    for (const auto& attribute : entry.attributes) {
      types.push_back(attribute.type);
    }
    return true;
  });
  CHECK(std::find(types.begin(), types.end(), "namingContexts") != types.end());
  CHECK(std::find(types.begin(), types.end(), "subschemaSubentry") != types.end());

  request.base_object = "cn=subschema";
  request.attributes = {"objectClasses"};
  std::size_t classes = 0;
  f.directory->search(request, {}, [&](protocol::SearchResultEntry&& entry) {
    for (const auto& attribute : entry.attributes) {
      classes += attribute.values.size();
    }
    return true;
  });
  CHECK(classes > 50);
}

TEST_CASE("compare answers true false and missing", "[directory][engine]") {
  Fixture f;
  auto compare = [&](const std::string& type, const std::string& value) {
    return f.directory->compare(protocol::CompareRequest{"uid=555000000001,ou=People,o=nhs", {type, value}}, {})
        .result_code;
  };
  CHECK(compare("cn", "DEMO doctor") == ResultCode::kCompareTrue);
  CHECK(compare("cn", "someone") == ResultCode::kCompareFalse);
  CHECK(compare("mail", "x@y") == ResultCode::kNoSuchAttribute);
  CHECK(compare("nosuch", "x") == ResultCode::kUndefinedAttributeType);
}

TEST_CASE("entries persist across reopen", "[directory][engine]") {
  Fixture f;
  auto schema = careid::directory::schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
  REQUIRE(schema.ok());
  f.directory.reset();
  careid::directory::engine::DirectoryOptions options;
  options.store_folder = f.folder;
  auto reopened = Directory::open(std::move(*schema), options);
  REQUIRE(reopened.ok());
  auto entry = (*reopened)->read_entry("uid=555000000002,ou=People,o=nhs");
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->first_value("cn") == "Anne Smith-Jones");
  f.directory = std::move(*reopened);
}
