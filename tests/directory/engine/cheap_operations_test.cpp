// Directory::search_if_cheap and Directory::bind_simple_if_cheap: which searches and binds
// the LDAP server may run on its I/O thread, and that the others return std::nullopt before
// they send an entry or write.
#include "directory/auth/password.h"
#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::Entry;
using careid::directory::ResultCode;
using careid::directory::engine::Identity;
using careid::directory::engine::testing::OperationsFixture;
namespace auth = careid::directory::auth;
namespace protocol = careid::directory::protocol;

constexpr std::size_t kMaxCandidates = 8;
constexpr int kExtraPeople = 20;

// The fixture plus kExtraPeople more people, so that ou=People is over the small-scope size
// and a subtree search must use an index plan or a scan.
struct CheapFixture : OperationsFixture {
  CheapFixture() {
    for (int i = 0; i < kExtraPeople; ++i) {
      const std::string uid = std::to_string(555000000100 + i);
      require_add("uid=" + uid + ",ou=People,o=nhs", person(uid, "Extra Person" + std::to_string(i)));
    }
  }

  struct Outcome {
    std::optional<protocol::LdapResult> result;
    std::vector<std::string> names;
  };

  Outcome search(const std::string& base, protocol::SearchScope scope, const std::string& filter) {
    protocol::SearchRequest request;
    request.base_object = base;
    request.scope = scope;
    request.filter = *protocol::parse_filter(filter);
    Outcome outcome;
    outcome.result = directory->search_if_cheap(request, root, [&](protocol::SearchResultEntry&& entry) {
      outcome.names.push_back(entry.object_name);
      return true;
    }, kMaxCandidates);
    return outcome;
  }

  bool has_attribute(const std::string& dn, const std::string& attribute) {
    auto entry = directory->read_entry(dn);
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    return (*entry)->find(attribute) != nullptr;
  }
};

const std::string kPersonDn = "uid=555000000002,ou=People,o=nhs";

}  // namespace

TEST_CASE("cheap search runs indexed lookup", "[directory][engine][inline]") {
  CheapFixture f;
  auto outcome = f.search("o=nhs", protocol::SearchScope::kWholeSubtree, "(uid=555000000002)");
  REQUIRE(outcome.result.has_value());
  CHECK(outcome.result->result_code == ResultCode::kSuccess);
  REQUIRE(outcome.names.size() == 1);
  CHECK(outcome.names[0] == kPersonDn);
}

TEST_CASE("cheap search falls back on scan", "[directory][engine][inline]") {
  CheapFixture f;
  // description has no index, so the search would read every entry below o=nhs.
  auto outcome = f.search("o=nhs", protocol::SearchScope::kWholeSubtree, "(description=anything)");
  CHECK_FALSE(outcome.result.has_value());
  CHECK(outcome.names.empty());
}

TEST_CASE("cheap search falls back on many candidates", "[directory][engine][inline]") {
  CheapFixture f;
  auto outcome = f.search("o=nhs", protocol::SearchScope::kWholeSubtree, "(objectClass=person)");
  CHECK_FALSE(outcome.result.has_value());
  CHECK(outcome.names.empty());

  // The full search still returns every person.
  protocol::SearchRequest request;
  request.base_object = "o=nhs";
  request.scope = protocol::SearchScope::kWholeSubtree;
  request.filter = *protocol::parse_filter("(objectClass=person)");
  int found = 0;
  auto result = f.directory->search(request, f.root, [&](protocol::SearchResultEntry&&) {
    ++found;
    return true;
  });
  CHECK(result.result_code == ResultCode::kSuccess);
  CHECK(found == 3 + kExtraPeople);
}

TEST_CASE("cheap search accepts base and small scopes", "[directory][engine][inline]") {
  CheapFixture f;
  auto base = f.search(kPersonDn, protocol::SearchScope::kBaseObject, "(description=anything)");
  REQUIRE(base.result.has_value());
  CHECK(base.result->result_code == ResultCode::kSuccess);
  CHECK(base.names.empty());

  auto groups = f.search("ou=Groups,o=nhs", protocol::SearchScope::kWholeSubtree, "(objectClass=*)");
  REQUIRE(groups.result.has_value());
  CHECK(groups.names.size() == 3);

  auto root_dse = f.search("", protocol::SearchScope::kBaseObject, "(objectClass=*)");
  REQUIRE(root_dse.result.has_value());
  CHECK(root_dse.names.size() == 1);

  auto missing = f.search("ou=Missing,o=nhs", protocol::SearchScope::kBaseObject, "(objectClass=*)");
  REQUIRE(missing.result.has_value());
  CHECK(missing.result->result_code == ResultCode::kNoSuchObject);
}

TEST_CASE("cheap bind accepts salted SHA password", "[directory][engine][inline]") {
  CheapFixture f;
  Identity identity;
  auto result = f.directory->bind_simple_if_cheap(kPersonDn, "pw-555000000002", identity);
  REQUIRE(result.has_value());
  CHECK(result->result_code == ResultCode::kSuccess);
  CHECK(identity.dn == kPersonDn);
  CHECK_FALSE(identity.is_root);

  auto missing = f.directory->bind_simple_if_cheap("uid=9,ou=People,o=nhs", "pw", identity);
  REQUIRE(missing.has_value());
  CHECK(missing->result_code == ResultCode::kInvalidCredentials);
}

TEST_CASE("cheap bind falls back on argon2", "[directory][engine][inline]") {
  CheapFixture f;
  auto hash = auth::hash_password(auth::PasswordScheme::kArgon2, "slow-pw", {.memory_kib = 64, .iterations = 1});
  REQUIRE(hash.ok());
  protocol::ModifyRequest set_password{kPersonDn, {{protocol::ModifyOperation::kReplace, {"userPassword", {*hash}}}}};
  REQUIRE(f.directory->modify(set_password, f.root).result_code == ResultCode::kSuccess);

  Identity identity;
  CHECK_FALSE(f.directory->bind_simple_if_cheap(kPersonDn, "slow-pw", identity).has_value());
  CHECK(identity.dn.empty());
  CHECK(f.directory->bind_simple(kPersonDn, "slow-pw", identity).result_code == ResultCode::kSuccess);
  CHECK(identity.dn == kPersonDn);
}

TEST_CASE("cheap bind leaves failures to worker", "[directory][engine][inline]") {
  CheapFixture f;
  Identity identity;
  CHECK_FALSE(f.directory->bind_simple_if_cheap(kPersonDn, "wrong", identity).has_value());
  CHECK_FALSE(f.has_attribute(kPersonDn, "pwdFailureTime"));

  // The worker path records the failure, as lockout needs.
  CHECK(f.directory->bind_simple(kPersonDn, "wrong", identity).result_code == ResultCode::kInvalidCredentials);
  CHECK(f.has_attribute(kPersonDn, "pwdFailureTime"));

  // A right password would now clear the failure, which is a write.
  CHECK_FALSE(f.directory->bind_simple_if_cheap(kPersonDn, "pw-555000000002", identity).has_value());
  CHECK(f.has_attribute(kPersonDn, "pwdFailureTime"));
  CHECK(f.directory->bind_simple(kPersonDn, "pw-555000000002", identity).result_code == ResultCode::kSuccess);
  CHECK_FALSE(f.has_attribute(kPersonDn, "pwdFailureTime"));
  CHECK(f.directory->bind_simple_if_cheap(kPersonDn, "pw-555000000002", identity).has_value());
}
