#include <catch2/catch.hpp>

#include "../test_files.h"
#include "rbac/access.h"
#include "rbac/catalogue.h"
#include "rbac/rbac_entries.h"
#include "provisioning/rbac/rbac_files.h"

namespace careid::provisioning::rbac {
namespace {

using testing::TemporaryFile;

Date day(int year, unsigned month, unsigned d) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(d)};
}

// B0825 includes B0824, which includes B0020. B1101 includes nothing.
Catalogue sample_catalogue() {
  Catalogue catalogue;
  catalogue.add_activity({"B0825", "Amend Patient Demographics", {"B0824"}});
  catalogue.add_activity({"B0824", "View Patient Demographics", {"B0020"}});
  catalogue.add_activity({"B0020", "Search Patients", {}});
  catalogue.add_activity({"B1101", "Manage Outbound Referrals", {}});
  catalogue.add_activity({"B0264", "Sample Activity", {}});
  catalogue.add_area_of_work({"AOW1", "Emergency"});
  catalogue.add_baseline_rule({"R8000", "", {"B0825"}});
  catalogue.add_baseline_rule({"R8000", "AOW1", {"B1101"}});
  catalogue.add_baseline_rule({"R8001", "", {"B0020"}});
  return catalogue;
}

RoleProfile profile_at(std::string org, std::string job_role) {
  RoleProfile profile;
  profile.id = "100000000001";
  profile.org_code = std::move(org);
  profile.job_role = std::move(job_role);
  return profile;
}

TEST_CASE("closure follows included activities", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  REQUIRE(catalogue.validate().ok());

  CHECK(catalogue.closure("B0825") == std::set<std::string>{"B0825", "B0824", "B0020"});
  CHECK(catalogue.closure("B0824") == std::set<std::string>{"B0824", "B0020"});
  CHECK(catalogue.closure("B1101") == std::set<std::string>{"B1101"});
  CHECK(catalogue.closure("B9999") == std::set<std::string>{"B9999"});
}

TEST_CASE("closure handles shared includes", "[provisioning][rbac]") {
  // A diamond: both branches include B0004, which must appear once and not loop.
  Catalogue catalogue;
  catalogue.add_activity({"B0001", "Top", {"B0002", "B0003"}});
  catalogue.add_activity({"B0002", "Left", {"B0004"}});
  catalogue.add_activity({"B0003", "Right", {"B0004"}});
  catalogue.add_activity({"B0004", "Bottom", {}});
  REQUIRE(catalogue.validate().ok());
  CHECK(catalogue.closure("B0001").size() == 4);
}

TEST_CASE("include chain names each step", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  auto chain = catalogue.include_chain("B0825", "B0020");
  REQUIRE(chain.has_value());
  CHECK(*chain == std::vector<std::string>{"B0825", "B0824", "B0020"});

  auto self = catalogue.include_chain("B0825", "B0825");
  REQUIRE(self.has_value());
  CHECK(*self == std::vector<std::string>{"B0825"});

  CHECK_FALSE(catalogue.include_chain("B0020", "B0825").has_value());
}

TEST_CASE("cycle is rejected and named", "[provisioning][rbac]") {
  Catalogue catalogue;
  catalogue.add_activity({"B0001", "One", {"B0002"}});
  catalogue.add_activity({"B0002", "Two", {"B0003"}});
  catalogue.add_activity({"B0003", "Three", {"B0001"}});
  Status status = catalogue.validate();
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(status.message(), Catch::Contains("B0001 -> B0002 -> B0003 -> B0001"));
}

TEST_CASE("self include is a cycle", "[provisioning][rbac]") {
  Catalogue catalogue;
  catalogue.add_activity({"B0001", "One", {"B0001"}});
  Status status = catalogue.validate();
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(status.message(), Catch::Contains("B0001 -> B0001"));
}

TEST_CASE("unknown include is rejected", "[provisioning][rbac]") {
  Catalogue catalogue;
  catalogue.add_activity({"B0001", "One", {"B0777"}});
  Status status = catalogue.validate();
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(status.message(), Catch::Contains("B0777"));
}

TEST_CASE("baseline depends on area of work", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  CHECK(catalogue.baseline_activities("R8000", {}) == std::set<std::string>{"B0825"});
  CHECK(catalogue.baseline_activities("R8000", {"AOW1"}) == std::set<std::string>{"B0825", "B1101"});
  CHECK(catalogue.baseline_activities("R9999", {}).empty());
}

TEST_CASE("baseline and position extras merge", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  Position position{"cn=Trust Doctor,uniqueIdentifier=R0A,ou=Organisations,o=nhs", "Trust Doctor", "R0A", "R8000",
                    {"B0264"}, {}, {}};
  RoleProfile profile = profile_at("R0A", "R8000");
  profile.position_dn = position.dn;
  std::map<std::string, Position> positions{{position.dn, position}};

  std::set<std::string> granted = effective_activities(catalogue, {profile}, positions, "R0A", day(2026, 12, 4));
  CHECK(granted == std::set<std::string>{"B0825", "B0824", "B0020", "B0264"});

  // The same profile without its position entry keeps only the baseline.
  std::set<std::string> without = effective_activities(catalogue, {profile}, {}, "R0A", day(2026, 12, 4));
  CHECK(without == std::set<std::string>{"B0825", "B0824", "B0020"});
}

TEST_CASE("position base role sets baseline", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  Position position{"cn=Nurse Lead,uniqueIdentifier=R0A,ou=Organisations,o=nhs", "Nurse Lead", "R0A", "R8001",
                    {}, {}, {}};
  RoleProfile profile = profile_at("R0A", "R8000");
  profile.position_dn = position.dn;
  auto granted = effective_activities(catalogue, {profile}, {{position.dn, position}}, "R0A", day(2026, 12, 4));
  CHECK(granted == std::set<std::string>{"B0020"});
}

TEST_CASE("effective activities respect end dates", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  RoleProfile profile = profile_at("R0A", "R8000");
  profile.start = day(2026, 12, 1);
  profile.end = day(2027, 1, 1);

  CHECK(effective_activities(catalogue, {profile}, {}, "R0A", day(2026, 11, 30)).empty());
  CHECK(effective_activities(catalogue, {profile}, {}, "R0A", day(2026, 12, 1)).contains("B0825"));
  CHECK(effective_activities(catalogue, {profile}, {}, "R0A", day(2026, 12, 31)).contains("B0825"));
  CHECK(effective_activities(catalogue, {profile}, {}, "R0A", day(2027, 1, 1)).empty());
}

TEST_CASE("effective activities filter by organisation", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  std::vector<RoleProfile> profiles{profile_at("R0A", "R8000"), profile_at("A81001", "R8001")};
  CHECK(effective_activities(catalogue, profiles, {}, "A81001", day(2026, 12, 4)) ==
        std::set<std::string>{"B0020"});
  CHECK(effective_activities(catalogue, profiles, {}, "", day(2026, 12, 4)).size() == 3);
  CHECK(effective_activities(catalogue, profiles, {}, "RXX", day(2026, 12, 4)).empty());
}

TEST_CASE("explanation shows chain and dates", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  RoleProfile active = profile_at("R0A", "R8000");
  RoleProfile ended = profile_at("R0A", "R8000");
  ended.id = "100000000002";
  ended.end = day(2026, 1, 1);

  AccessExplanation explanation = explain_access(catalogue, {active, ended}, {}, "B0020", "R0A", day(2026, 12, 4));
  CHECK(explanation.granted);
  REQUIRE(explanation.profiles.size() == 2);
  REQUIRE(explanation.profiles[0].grants.size() == 1);
  CHECK(explanation.profiles[0].grants[0].chain == std::vector<std::string>{"B0825", "B0824", "B0020"});
  CHECK(explanation.profiles[1].inactive_reason == "ended 2026-01-01");

  std::string text = format_explanation(explanation, catalogue);
  CHECK_THAT(text, Catch::StartsWith("GRANTED: B0020 \"Search Patients\" at R0A"));
  CHECK_THAT(text, Catch::Contains("B0825 -> B0824 -> B0020"));
  CHECK_THAT(text, Catch::Contains("(ended 2026-01-01)"));
}

TEST_CASE("explanation denies through ended profile", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  RoleProfile ended = profile_at("R0A", "R8000");
  ended.end = day(2026, 1, 1);
  AccessExplanation explanation = explain_access(catalogue, {ended}, {}, "B0825", "R0A", day(2026, 12, 4));
  CHECK_FALSE(explanation.granted);
  CHECK_THAT(format_explanation(explanation, catalogue), Catch::StartsWith("DENIED:"));
}

TEST_CASE("catalogue entries round trip", "[provisioning][rbac]") {
  Catalogue catalogue = sample_catalogue();
  std::vector<directory::Entry> entries = catalogue_entries(catalogue, "20261204");
  Catalogue read_back = catalogue_from_entries(entries);
  REQUIRE(read_back.validate().ok());
  CHECK(read_back.activities().size() == catalogue.activities().size());
  CHECK(read_back.find_activity("B0825")->includes == std::vector<std::string>{"B0824"});
  CHECK(read_back.baseline_activities("R8000", {"AOW1"}) == catalogue.baseline_activities("R8000", {"AOW1"}));
}

TEST_CASE("role profile entry parses dates", "[provisioning][rbac]") {
  directory::Entry entry;
  entry.dn = "uniqueIdentifier=1,uniqueIdentifier=2,uid=3,ou=People,o=nhs";
  entry.add_value("objectClass", "nhsOrgPersonRole");
  entry.add_value("uniqueIdentifier", "1");
  entry.add_value("nhsIDCode", "R0A");
  entry.add_value("nhsJobRoleCode", "S8000:G8000:R8000");
  entry.add_value("careidRoleStartDate", "20261201000000Z");
  entry.add_value("careidRoleEndDate", "garbage");
  RoleProfile profile = role_profile_from_entry(entry);
  CHECK(profile.job_role == "R8000");
  REQUIRE(profile.start.has_value());
  CHECK(*profile.start == day(2026, 12, 1));
  // An unreadable end date counts as ended long ago, never as open-ended.
  REQUIRE(profile.end.has_value());
  CHECK(*profile.end < day(2000, 1, 1));
}

TEST_CASE("bad start date never starts", "[provisioning][rbac]") {
  directory::Entry entry;
  entry.dn = "uniqueIdentifier=1,uniqueIdentifier=2,uid=3,ou=People,o=nhs";
  entry.add_value("nhsJobRoleCode", "S8000:G8000:R8000");
  entry.add_value("careidRoleStartDate", "yesterday");
  RoleProfile profile = role_profile_from_entry(entry);
  REQUIRE(profile.start.has_value());
  CHECK(*profile.start > day(9000, 1, 1));
  CHECK(effective_activities(sample_catalogue(), {profile}, {}, "", day(2026, 12, 4)).empty());
}

TEST_CASE("dates parse and format", "[provisioning][rbac]") {
  auto parsed = parse_iso_date("2026-12-01");
  REQUIRE(parsed.ok());
  CHECK(format_generalized_date(*parsed) == "20261201000000Z");
  CHECK(format_iso_date(*parsed) == "2026-12-01");
  CHECK_FALSE(parse_iso_date("2026-02-30").ok());
  CHECK_FALSE(parse_iso_date("1 Dec 2026").ok());
  CHECK_FALSE(parse_iso_date("2026-1-01").ok());
}

TEST_CASE("activity file with cycle fails", "[provisioning][rbac]") {
  TemporaryFile activities("activities.csv", "# sample\ncode,name,includes\nB0001,One,B0002\nB0002,Two,B0001\n");
  TemporaryFile baseline("baseline.csv", "job_role,area_of_work,activities\nR8000,,B0001\n");
  auto catalogue = read_catalogue({activities.path(), baseline.path(), {}, {}}, {"R8000"});
  REQUIRE_FALSE(catalogue.ok());
  CHECK_THAT(catalogue.status().message(), Catch::Contains("B0001 -> B0002 -> B0001"));
}

TEST_CASE("activity file bad rows name line", "[provisioning][rbac]") {
  TemporaryFile baseline("baseline.csv", "job_role,area_of_work,activities\n");

  TemporaryFile bad_code("activities.csv", "code,name,includes\nB0001,One,\nX12,Two,\n");
  auto first = read_catalogue({bad_code.path(), baseline.path(), {}, {}}, {});
  REQUIRE_FALSE(first.ok());
  CHECK_THAT(first.status().message(), Catch::Contains(":3: invalid activity code 'X12'"));

  TemporaryFile twice("activities.csv", "code,name,includes\nB0001,One,\nB0001,Again,\n");
  auto second = read_catalogue({twice.path(), baseline.path(), {}, {}}, {});
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status().message(), Catch::Contains("listed twice"));

  TemporaryFile no_column("activities.csv", "code,name\nB0001,One\n");
  auto third = read_catalogue({no_column.path(), baseline.path(), {}, {}}, {});
  REQUIRE_FALSE(third.ok());
  CHECK_THAT(third.status().message(), Catch::Contains("missing column 'includes'"));
}

TEST_CASE("baseline file rejects unknown references", "[provisioning][rbac]") {
  TemporaryFile activities("activities.csv", "code,name,includes\nB0001,One,\n");
  TemporaryFile unknown_role("baseline.csv", "job_role,area_of_work,activities\nR9999,,B0001\n");
  auto role = read_catalogue({activities.path(), unknown_role.path(), {}, {}}, {"R8000"});
  REQUIRE_FALSE(role.ok());
  CHECK_THAT(role.status().message(), Catch::Contains("unknown job role 'R9999'"));

  TemporaryFile unknown_activity("baseline.csv", "job_role,area_of_work,activities\nR8000,,B0001 B0002\n");
  auto activity = read_catalogue({activities.path(), unknown_activity.path(), {}, {}}, {"R8000"});
  REQUIRE_FALSE(activity.ok());
  CHECK_THAT(activity.status().message(), Catch::Contains("unknown activity 'B0002'"));
}

TEST_CASE("shipped sample files load", "[provisioning][rbac]") {
  auto reference = testing::reference_directory();
  RbacFiles files{reference / "rbac-activities-sample.csv", reference / "rbac-baseline-sample.csv",
                  reference / "rbac-areas-of-work-sample.csv", {}};
  auto catalogue = read_catalogue(files, {"R8000", "R8001", "R8003", "R8008", "R5080"});
  REQUIRE(catalogue.ok());
  CHECK(catalogue->find_activity("B0264") != nullptr);
  CHECK(catalogue->find_activity("B0825") != nullptr);
}

}  // namespace
}  // namespace careid::provisioning::rbac
