#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::engine::Identity;
using careid::directory::engine::testing::OperationsFixture;
namespace protocol = careid::directory::protocol;

protocol::ModifyDnRequest rename(std::string entry, std::string new_rdn, bool delete_old,
                                 std::optional<std::string> superior = std::nullopt) {
  return protocol::ModifyDnRequest{std::move(entry), std::move(new_rdn), delete_old, std::move(superior)};
}

}  // namespace

TEST_CASE("modify DN renames leaf entry", "[directory][engine][modify-dn]") {
  OperationsFixture f;
  auto result = f.directory->modify_dn(rename("uid=555000000003,ou=People,o=nhs", "uid=555000000009", true), f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);

  CHECK_FALSE(f.exists("uid=555000000003,ou=People,o=nhs"));
  auto entry = f.directory->read_entry("uid=555000000009,ou=People,o=nhs");
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->dn == "uid=555000000009,ou=People,o=nhs");
  const auto* uid = (*entry)->find("uid");
  REQUIRE(uid != nullptr);
  CHECK(uid->values == std::vector<std::string>{"555000000009"});

  auto found = f.directory->find("ou=People,o=nhs", true, "(uid=555000000009)");
  REQUIRE(found.ok());
  CHECK(found->size() == 1);  // the uid index follows the rename
  auto old = f.directory->find("ou=People,o=nhs", true, "(uid=555000000003)");
  REQUIRE(old.ok());
  CHECK(old->empty());
}

TEST_CASE("modify DN keeps old RDN value", "[directory][engine][modify-dn]") {
  OperationsFixture f;
  auto result = f.directory->modify_dn(rename("uid=555000000003,ou=People,o=nhs", "cn=Robert Brown", false), f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);
  auto entry = f.directory->read_entry("cn=Robert Brown,ou=People,o=nhs");
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->find("uid")->values == std::vector<std::string>{"555000000003"});
  CHECK((*entry)->find("cn")->values == std::vector<std::string>{"Bob Brown", "Robert Brown"});
}

TEST_CASE("modify DN moves whole subtree", "[directory][engine][modify-dn]") {
  OperationsFixture f;
  auto result = f.directory->modify_dn(
      rename("ou=Leeds,ou=Groups,o=nhs", "ou=Leeds Teaching", true, "ou=People,o=nhs"), f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);

  CHECK(f.subtree("ou=Groups,o=nhs") == std::vector<std::string>{"ou=Groups,o=nhs"});
  CHECK(f.subtree("ou=Leeds Teaching,ou=People,o=nhs") ==
        std::vector<std::string>{"ou=Leeds Teaching,ou=People,o=nhs", "cn=Ward 1,ou=Leeds Teaching,ou=People,o=nhs"});
  CHECK(f.exists("CN=ward 1, OU=leeds teaching, ou=people, o=NHS"));
  CHECK_FALSE(f.exists("cn=Ward 1,ou=Leeds,ou=Groups,o=nhs"));

  // The moved child can be changed and deleted under its new name.
  auto removed = f.directory->remove(protocol::DelRequest{"cn=Ward 1,ou=Leeds Teaching,ou=People,o=nhs"}, f.root);
  CHECK(removed.result_code == ResultCode::kSuccess);
}

TEST_CASE("modify DN changes only case", "[directory][engine][modify-dn]") {
  OperationsFixture f;
  auto result = f.directory->modify_dn(rename("ou=Leeds,ou=Groups,o=nhs", "ou=LEEDS", true), f.root);
  INFO(result.diagnostic_message);
  REQUIRE(result.result_code == ResultCode::kSuccess);
  CHECK(f.subtree("ou=leeds,ou=Groups,o=nhs") ==
        std::vector<std::string>{"ou=LEEDS,ou=Groups,o=nhs", "cn=Ward 1,ou=LEEDS,ou=Groups,o=nhs"});
}

TEST_CASE("modify DN reports each error", "[directory][engine][modify-dn]") {
  OperationsFixture f;
  auto code = [&](protocol::ModifyDnRequest request, const Identity& identity) {
    auto result = f.directory->modify_dn(request, identity);
    INFO(result.diagnostic_message);
    return result.result_code;
  };
  const std::string bob = "uid=555000000003,ou=People,o=nhs";

  CHECK(code(rename("uid=1,ou=People,o=nhs", "uid=2", true), f.root) == ResultCode::kNoSuchObject);
  CHECK(code(rename(bob, "uid=555000000001", true), f.root) == ResultCode::kEntryAlreadyExists);
  CHECK(code(rename(bob, "uid=555000000009", true, "ou=Nowhere,o=nhs"), f.root) == ResultCode::kNoSuchObject);
  CHECK(code(rename(bob, "uid=555000000009", true, "o=elsewhere"), f.root) == ResultCode::kAffectsMultipleDsas);
  CHECK(code(rename("o=nhs", "o=other", true), f.root) == ResultCode::kAffectsMultipleDsas);
  CHECK(code(rename("ou=Groups,o=nhs", "ou=Groups", true, "ou=Leeds,ou=Groups,o=nhs"), f.root) ==
        ResultCode::kUnwillingToPerform);
  CHECK(code(rename("ou=Groups,o=nhs", "ou=Inner", true, "ou=Groups,o=nhs"), f.root) ==
        ResultCode::kUnwillingToPerform);
  CHECK(code(rename(bob, "noSuchType=1", true), f.root) == ResultCode::kNamingViolation);
  CHECK(code(rename(bob, "createTimestamp=20260101000000Z", true), f.root) == ResultCode::kNamingViolation);
  CHECK(code(rename(bob, "uid=1,ou=x", true), f.root) == ResultCode::kInvalidDnSyntax);
  CHECK(code(rename(bob, "dc=bob", true), f.root) == ResultCode::kObjectClassViolation);
  CHECK(code(rename(bob, "uid=555000000009", true), Identity{}) == ResultCode::kInsufficientAccessRights);

  // Nothing above changed the tree.
  CHECK(f.exists(bob));
  CHECK(f.subtree("ou=Groups,o=nhs").size() == 3);
}
