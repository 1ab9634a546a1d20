#include <algorithm>
#include <chrono>
#include <thread>

#include "directory/auth/password.h"
#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::engine::Identity;
using careid::directory::engine::testing::OperationsFixture;
namespace protocol = careid::directory::protocol;

protocol::SearchRequest people_search(std::vector<std::string> attributes = {}) {
  protocol::SearchRequest request;
  request.base_object = "ou=People,o=nhs";
  request.scope = protocol::SearchScope::kSingleLevel;
  request.filter = *protocol::parse_filter("(objectClass=nhsPerson)");
  request.attributes = std::move(attributes);
  return request;
}

std::vector<std::string> names(const std::vector<protocol::SearchResultEntry>& entries) {
  std::vector<std::string> found;
  for (const auto& entry : entries) {
    found.push_back(entry.object_name);
  }
  return found;
}

Identity user(const std::string& uid) {
  return Identity{"uid=" + uid + ",ou=People,o=nhs", "uid=" + uid + ",ou=people,o=nhs", false};
}

}  // namespace

TEST_CASE("sorted search orders by cn", "[directory][engine][sort]") {
  OperationsFixture f;
  auto sorted = f.directory->search_collected(people_search(), f.root, {{"cn", std::nullopt, false}}, 100);
  REQUIRE(sorted.result.result_code == ResultCode::kSuccess);
  REQUIRE(sorted.sort_result == ResultCode::kSuccess);
  CHECK(names(sorted.entries) == std::vector<std::string>{"uid=555000000002,ou=People,o=nhs",
                                                          "uid=555000000003,ou=People,o=nhs",
                                                          "uid=555000000001,ou=People,o=nhs"});

  auto reversed = f.directory->search_collected(people_search(), f.root, {{"cn", std::nullopt, true}}, 100);
  CHECK(names(reversed.entries) == std::vector<std::string>{"uid=555000000001,ou=People,o=nhs",
                                                            "uid=555000000003,ou=People,o=nhs",
                                                            "uid=555000000002,ou=People,o=nhs"});
}

TEST_CASE("sorted search strips unrequested key", "[directory][engine][sort]") {
  OperationsFixture f;
  auto sorted = f.directory->search_collected(people_search({"uid"}), f.root, {{"sn", std::nullopt, false}}, 100);
  REQUIRE(sorted.entries.size() == 3);
  CHECK(sorted.entries.front().object_name == "uid=555000000003,ou=People,o=nhs");  // Brown
  for (const auto& entry : sorted.entries) {
    REQUIRE(entry.attributes.size() == 1);
    CHECK(entry.attributes.front().type == "uid");
  }
}

TEST_CASE("sorted search reports bad keys", "[directory][engine][sort]") {
  OperationsFixture f;
  auto unknown = f.directory->search_collected(people_search(), f.root, {{"noSuchType", std::nullopt, false}}, 100);
  CHECK(unknown.sort_result == ResultCode::kNoSuchAttribute);
  CHECK(unknown.sort_attribute == "noSuchType");
  CHECK(unknown.entries.size() == 3);  // still returned, unsorted

  auto unordered = f.directory->search_collected(people_search(), f.root, {{"jpegPhoto", std::nullopt, false}}, 100);
  CHECK(unordered.sort_result == ResultCode::kInappropriateMatching);

  auto bad_rule = f.directory->search_collected(people_search(), f.root, {{"cn", "caseExactMatch", false}}, 100);
  CHECK(bad_rule.sort_result == ResultCode::kInappropriateMatching);
}

TEST_CASE("collected search over limit is refused", "[directory][engine][sort]") {
  OperationsFixture f;
  auto collected = f.directory->search_collected(people_search(), f.root, {}, 2);
  CHECK(collected.result.result_code == ResultCode::kAdminLimitExceeded);
  CHECK(collected.entries.empty());
}

TEST_CASE("password modify by root generates password", "[directory][engine][password]") {
  OperationsFixture f;
  protocol::PasswordModifyRequest request;
  request.user_identity = "uid=555000000001,ou=People,o=nhs";
  auto change = f.directory->modify_password(request, f.root);
  INFO(change.result.diagnostic_message);
  REQUIRE(change.result.result_code == ResultCode::kSuccess);
  REQUIRE(change.generated_password.has_value());
  CHECK(change.generated_password->size() == 20);

  Identity bound;
  auto bind = f.directory->bind_simple("uid=555000000001,ou=People,o=nhs", *change.generated_password, bound);
  CHECK(bind.result_code == ResultCode::kSuccess);
  auto old_bind = f.directory->bind_simple("uid=555000000001,ou=People,o=nhs", "pw-555000000001", bound);
  CHECK(old_bind.result_code == ResultCode::kInvalidCredentials);

  auto entry = f.directory->read_entry("uid=555000000001,ou=People,o=nhs");
  CHECK((*entry)->find("userPassword")->values.front().starts_with("{SSHA256}"));
}

TEST_CASE("password modify by user needs old password", "[directory][engine][password]") {
  OperationsFixture f;
  protocol::PasswordModifyRequest request;
  request.new_password = "correct horse";

  auto missing_old = f.directory->modify_password(request, user("555000000002"));
  CHECK(missing_old.result.result_code == ResultCode::kInvalidCredentials);
  request.old_password = "wrong";
  auto wrong_old = f.directory->modify_password(request, user("555000000002"));
  CHECK(wrong_old.result.result_code == ResultCode::kInvalidCredentials);

  request.old_password = "pw-555000000002";
  auto changed = f.directory->modify_password(request, user("555000000002"));
  INFO(changed.result.diagnostic_message);
  REQUIRE(changed.result.result_code == ResultCode::kSuccess);
  CHECK_FALSE(changed.generated_password.has_value());
  Identity bound;
  CHECK(f.directory->bind_simple("uid=555000000002,ou=People,o=nhs", "correct horse", bound).result_code ==
        ResultCode::kSuccess);
  auto entry = f.directory->read_entry("uid=555000000002,ou=People,o=nhs");
  CHECK((*entry)->first_value("modifiersName") == "uid=555000000002,ou=People,o=nhs");
}

TEST_CASE("password modify rejects other targets", "[directory][engine][password]") {
  OperationsFixture f;
  protocol::PasswordModifyRequest request;
  request.new_password = "x";
  request.old_password = "pw-555000000002";
  request.user_identity = "uid=555000000003,ou=People,o=nhs";
  CHECK(f.directory->modify_password(request, user("555000000002")).result.result_code ==
        ResultCode::kInsufficientAccessRights);
  CHECK(f.directory->modify_password(request, Identity{}).result.result_code == ResultCode::kUnwillingToPerform);
  request.user_identity = "cn=admin,o=nhs";
  CHECK(f.directory->modify_password(request, f.root).result.result_code == ResultCode::kUnwillingToPerform);
  request.user_identity = "dn:uid=555000000099,ou=People,o=nhs";
  CHECK(f.directory->modify_password(request, f.root).result.result_code == ResultCode::kNoSuchObject);
}

TEST_CASE("subtree delete removes every entry", "[directory][engine][controls]") {
  OperationsFixture f;
  auto plain = f.directory->remove(protocol::DelRequest{"ou=Groups,o=nhs"}, f.root);
  CHECK(plain.result_code == ResultCode::kNotAllowedOnNonLeaf);

  auto denied = f.directory->remove_subtree(protocol::DelRequest{"ou=Groups,o=nhs"}, Identity{});
  CHECK(denied.result_code == ResultCode::kInsufficientAccessRights);
  auto missing = f.directory->remove_subtree(protocol::DelRequest{"ou=Nowhere,o=nhs"}, f.root);
  CHECK(missing.result_code == ResultCode::kNoSuchObject);

  auto removed = f.directory->remove_subtree(protocol::DelRequest{"ou=Groups,o=nhs"}, f.root);
  INFO(removed.diagnostic_message);
  REQUIRE(removed.result_code == ResultCode::kSuccess);
  CHECK_FALSE(f.exists("ou=Groups,o=nhs"));
  CHECK_FALSE(f.exists("cn=Ward 1,ou=Leeds,ou=Groups,o=nhs"));
  CHECK(f.exists("ou=People,o=nhs"));
}

TEST_CASE("permissive modify ignores no-op changes", "[directory][engine][controls]") {
  OperationsFixture f;
  protocol::ModifyRequest request{"uid=555000000001,ou=People,o=nhs", {}};
  request.changes.push_back({protocol::ModifyOperation::kAdd, {"cn", {"demo doctor", "Dr Demo"}}});
  request.changes.push_back({protocol::ModifyOperation::kDelete, {"sn", {"Nobody"}}});
  request.changes.push_back({protocol::ModifyOperation::kDelete, {"description", {}}});

  auto strict = f.directory->modify(request, f.root);
  CHECK(strict.result_code == ResultCode::kAttributeOrValueExists);

  protocol::ModifyRequest permissive = f.directory->make_permissive(request);
  REQUIRE(permissive.changes.size() == 1);
  CHECK(permissive.changes.front().modification.values == std::vector<std::string>{"Dr Demo"});
  auto result = f.directory->modify(permissive, f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);
  auto entry = f.directory->read_entry("uid=555000000001,ou=People,o=nhs");
  CHECK((*entry)->find("cn")->values == std::vector<std::string>{"Demo Doctor", "Dr Demo"});
}

TEST_CASE("search time limit ends search", "[directory][engine]") {
  OperationsFixture f;
  protocol::SearchRequest request = people_search();
  request.time_limit = 1;
  auto done = f.directory->search(request, Identity{}, [](protocol::SearchResultEntry&&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return true;
  });
  CHECK(done.result_code == ResultCode::kTimeLimitExceeded);

  request.time_limit = 0;
  auto unlimited = f.directory->search(request, Identity{}, [](protocol::SearchResultEntry&&) { return true; });
  CHECK(unlimited.result_code == ResultCode::kSuccess);
}

TEST_CASE("root DSE lists controls and extensions", "[directory][engine][controls]") {
  OperationsFixture f;
  protocol::SearchRequest request;
  request.filter = *protocol::parse_filter("(objectClass=*)");
  request.attributes = {"supportedControl", "supportedExtension"};
  std::vector<protocol::SearchResultEntry> found;
  f.directory->search(request, Identity{}, [&](protocol::SearchResultEntry&& entry) {
    found.push_back(std::move(entry));
    return true;
  });
  REQUIRE(found.size() == 1);
  std::vector<std::string> values;
  for (const auto& attribute : found.front().attributes) {
    values.insert(values.end(), attribute.values.begin(), attribute.values.end());
  }
  for (std::string_view oid : protocol::supported_control_oids()) {
    CHECK(std::count(values.begin(), values.end(), std::string(oid)) == 1);
  }
  CHECK(std::count(values.begin(), values.end(), std::string(protocol::kPasswordModifyOid)) == 1);
}

TEST_CASE("subtree delete after move", "[directory][engine][controls]") {
  OperationsFixture f;
  // The new parent gets a larger id than the entries moved below it.
  f.require_add("ou=Newer,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"Newer"}}});
  auto moved = f.directory->modify_dn(
      protocol::ModifyDnRequest{"ou=Leeds,ou=Groups,o=nhs", "ou=Leeds", true, "ou=Newer,o=nhs"}, f.root);
  REQUIRE(moved.result_code == ResultCode::kSuccess);

  auto removed = f.directory->remove_subtree(protocol::DelRequest{"ou=Newer,o=nhs"}, f.root);
  INFO(removed.diagnostic_message);
  REQUIRE(removed.result_code == ResultCode::kSuccess);
  CHECK_FALSE(f.exists("ou=Newer,o=nhs"));
  CHECK_FALSE(f.exists("cn=Ward 1,ou=Leeds,ou=Newer,o=nhs"));
}
