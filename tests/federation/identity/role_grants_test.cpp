// RoleGrantCache: the activities and workgroups a role profile grants, and when they are
// computed again.
#include <catch2/catch.hpp>

#include "federation/identity/role_grants.h"

namespace careid::federation {
namespace {

using namespace std::chrono_literals;

// B0100 includes B0200, which includes B0300. R8000's baseline is B0100; the position
// "Ward Clerk" adds B0400 and one workgroup.
class FakeAccessSource : public rbac::AccessSource {
 public:
  int catalogue_reads = 0;
  bool fail = false;

  Result<rbac::Catalogue> read_catalogue() override {
    ++catalogue_reads;
    if (fail) {
      return Status::io_error("store closed");
    }
    rbac::Catalogue catalogue;
    catalogue.add_activity({"B0100", "Top", {"B0200"}});
    catalogue.add_activity({"B0200", "Middle", {"B0300"}});
    catalogue.add_activity({"B0300", "Bottom", {}});
    catalogue.add_activity({"B0400", "Extra", {}});
    catalogue.add_baseline_rule({"R8000", "", {"B0100"}});
    return catalogue;
  }

  Result<std::vector<rbac::RoleProfile>> read_role_profiles(std::string_view) override {
    return std::vector<rbac::RoleProfile>{};
  }

  Result<std::optional<rbac::Position>> read_position(std::string_view dn) override {
    if (dn != kPositionDn) {
      return std::optional<rbac::Position>();
    }
    rbac::Position position;
    position.dn = kPositionDn;
    position.name = "Ward Clerk";
    position.base_job_role = "R8000";
    position.activities = {"B0400"};
    position.workgroups = {"WG-WARD-1"};
    return std::optional<rbac::Position>(position);
  }

  static constexpr std::string_view kPositionDn = "cn=Ward Clerk,uniqueIdentifier=R0A,ou=Organisations,o=nhs";
};

rbac::RoleProfile bare_profile() {
  rbac::RoleProfile profile;
  profile.id = "555000000101";
  profile.org_code = "R0A";
  profile.job_role = "R8000";
  return profile;
}

std::vector<std::string> codes(const RoleGrants& grants) {
  std::vector<std::string> result;
  for (const RoleActivity& activity : grants.activities) {
    result.push_back(activity.code);
  }
  return result;
}

struct ManualClock {
  std::chrono::steady_clock::time_point now{};
  RoleGrantCache::Clock function() {
    return [this] { return now; };
  }
};

TEST_CASE("grants follow baseline includes", "[federation][identity]") {
  FakeAccessSource source;
  RoleGrantCache cache(source, 60s, 100);

  auto grants = cache.grants(bare_profile());
  REQUIRE(grants.ok());
  CHECK(codes(*grants) == std::vector<std::string>{"B0100", "B0200", "B0300"});
  CHECK(grants->activities[2].name == "Bottom");
  CHECK(grants->workgroups.empty());
}

TEST_CASE("grants add position extras", "[federation][identity]") {
  FakeAccessSource source;
  RoleGrantCache cache(source, 60s, 100);
  rbac::RoleProfile profile = bare_profile();
  profile.position_dn = std::string(FakeAccessSource::kPositionDn);

  auto grants = cache.grants(profile);
  REQUIRE(grants.ok());
  CHECK(codes(*grants) == std::vector<std::string>{"B0100", "B0200", "B0300", "B0400"});
  CHECK(grants->workgroups == std::vector<std::string>{"WG-WARD-1"});
}

TEST_CASE("grants ignore profile dates", "[federation][identity]") {
  FakeAccessSource source;
  RoleGrantCache cache(source, 60s, 100);
  rbac::RoleProfile ended = bare_profile();
  ended.end = rbac::Date{std::chrono::year{2000}, std::chrono::January, std::chrono::day{1}};

  auto grants = cache.grants(ended);
  REQUIRE(grants.ok());
  CHECK(grants->activities.size() == 3);
}

TEST_CASE("grants cached until ttl", "[federation][identity]") {
  FakeAccessSource source;
  ManualClock clock;
  RoleGrantCache cache(source, 60s, 100, clock.function());

  REQUIRE(cache.grants(bare_profile()).ok());
  clock.now += 59s;
  REQUIRE(cache.grants(bare_profile()).ok());
  CHECK(cache.computations() == 1);
  CHECK(source.catalogue_reads == 1);

  clock.now += 1s;
  REQUIRE(cache.grants(bare_profile()).ok());
  CHECK(cache.computations() == 2);
  CHECK(source.catalogue_reads == 2);
}

TEST_CASE("grants keyed by position", "[federation][identity]") {
  FakeAccessSource source;
  RoleGrantCache cache(source, 60s, 100);
  rbac::RoleProfile with_position = bare_profile();
  with_position.position_dn = std::string(FakeAccessSource::kPositionDn);

  REQUIRE(cache.grants(bare_profile()).ok());
  REQUIRE(cache.grants(with_position).ok());
  REQUIRE(cache.grants(with_position).ok());
  CHECK(cache.computations() == 2);
  CHECK(source.catalogue_reads == 1);
}

TEST_CASE("grants cache stays bounded", "[federation][identity]") {
  FakeAccessSource source;
  RoleGrantCache cache(source, 60s, 2);
  rbac::RoleProfile first = bare_profile();
  rbac::RoleProfile second = bare_profile();
  second.areas_of_work = {"AOW1"};
  rbac::RoleProfile third = bare_profile();
  third.areas_of_work = {"AOW2"};

  REQUIRE(cache.grants(first).ok());
  REQUIRE(cache.grants(second).ok());
  REQUIRE(cache.grants(third).ok());  // empties the cache, then stores the third key
  REQUIRE(cache.grants(third).ok());
  CHECK(cache.computations() == 3);
  REQUIRE(cache.grants(first).ok());
  CHECK(cache.computations() == 4);
}

TEST_CASE("grants report source errors", "[federation][identity]") {
  FakeAccessSource source;
  source.fail = true;
  RoleGrantCache cache(source, 60s, 100);

  auto grants = cache.grants(bare_profile());
  REQUIRE_FALSE(grants.ok());
  CHECK(grants.status().message().find("store closed") != std::string::npos);
}

}  // namespace
}  // namespace careid::federation
