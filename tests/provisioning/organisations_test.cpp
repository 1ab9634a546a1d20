#include "provisioning/organisations.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "provisioning/directory_entries.h"
#include "test_files.h"

namespace careid::provisioning {
namespace {

using testing::TemporaryFile;

constexpr std::string_view kGpHeader =
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
    "ONS_CCG_CODE,CCG_CODE,CCG_NAME\n";

std::string etr_row(std::string_view code, std::string_view postcode, std::string_view open_date = "20171001") {
  return "\"" + std::string(code) + "\",\"TEST NHS TRUST\",\"Y62\",\"QOP\",\"HOUSE\",\"ROAD\",\"\",\"TOWN\",\"\",\"" +
         std::string(postcode) + "\",\"" + std::string(open_date) +
         "\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"0\",\"\",\"B\",\"\",\"\",\"\"\n";
}

std::string gp_row(std::string_view code, std::string_view postcode) {
  return "GP_PRAC_PAT_LIST,01Jan2022," + std::string(code) + ",\"A SURGERY, B\"," +
         std::string(postcode) + ",U1,\"PCN, ONE\",E38000247,16C,NHS Tees Valley CCG\n";
}

const Organisation* find(const std::vector<Organisation>& orgs, std::string_view code) {
  auto it = std::find_if(orgs.begin(), orgs.end(), [&](const Organisation& o) { return o.ods_code == code; });
  return it == orgs.end() ? nullptr : &*it;
}

TEST_CASE("trusts real etr file loads", "[provisioning][organisations]") {
  LoadReport report;
  auto trusts = load_trusts(testing::reference_directory() / "etr.csv", report);
  REQUIRE(trusts.ok());
  CHECK(report.rows_read == 218);
  CHECK(report.rows_skipped == 0);
  CHECK(report.rows_loaded == 218);
  CHECK(trusts->size() == 218);

  const Organisation* manchester = find(*trusts, "R0A");
  REQUIRE(manchester != nullptr);
  CHECK(manchester->name == "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST");
  CHECK(manchester->address_lines == std::vector<std::string>{"COBBETT HOUSE", "OXFORD ROAD", "MANCHESTER"});
  CHECK(manchester->locality == "MANCHESTER");
  CHECK(manchester->postcode == "M13 9WL");
  CHECK(manchester->open_date == "20171001");
  CHECK(manchester->parent_code == "QOP");
  CHECK(manchester->country == "England");
  CHECK(manchester->is_open());

  const Organisation* velindre = find(*trusts, "RQF");
  REQUIRE(velindre != nullptr);
  CHECK(velindre->country == "Wales");

  auto closed = std::count_if(trusts->begin(), trusts->end(), [](const Organisation& o) { return !o.is_open(); });
  CHECK(closed > 0);
}

TEST_CASE("GP practices real file loads", "[provisioning][organisations]") {
  LoadReport report;
  auto practices = load_gp_practices(testing::reference_directory() / "gp-reg-pat-prac-map.csv", report);
  REQUIRE(practices.ok());
  CHECK(report.rows_read == 6527);
  CHECK(report.rows_skipped == 0);
  CHECK(practices->size() == 6527);

  const Organisation* densham = find(*practices, "A81001");
  REQUIRE(densham != nullptr);
  CHECK(densham->name == "THE DENSHAM SURGERY");
  CHECK(densham->postcode == "TS18 1HU");
  CHECK(densham->locality == "Tees Valley");
  CHECK(densham->ccg_code == "16C");
  CHECK(densham->parent_code == "16C");
  CHECK(densham->address_lines == std::vector<std::string>{"THE DENSHAM SURGERY"});
}

TEST_CASE("trusts bad rows skipped with reasons", "[provisioning][organisations]") {
  std::string content;
  for (int i = 0; i < 30; ++i) {
    content += etr_row("R" + std::to_string(10 + i), "M13 9WL");
  }
  content += etr_row("bad code", "M13 9WL");  // line 31
  content += "\"RZZ\",\"SHORT\"\n";          // line 32
  content += etr_row("R10", "M13 9WL");       // line 33 repeats line 1
  TemporaryFile file("etr.csv", content);

  LoadReport report;
  auto trusts = load_trusts(file.path(), report);
  REQUIRE(trusts.ok());
  CHECK(trusts->size() == 30);
  CHECK(report.rows_read == 33);
  CHECK(report.rows_skipped == 3);
  REQUIRE(report.problems.size() == 3);
  CHECK(report.problems[0].file == "etr.csv");
  CHECK(report.problems[0].line == 31);
  CHECK(report.problems[0].reason.find("invalid ODS code 'bad code'") != std::string::npos);
  CHECK(report.problems[1].line == 32);
  CHECK(report.problems[1].reason.find("2 columns, expected 27") != std::string::npos);
  CHECK(report.problems[2].line == 33);
  CHECK(report.problems[2].reason.find("repeats") != std::string::npos);
}

TEST_CASE("trusts invalid field values skipped", "[provisioning][organisations]") {
  std::string content;
  for (int i = 0; i < 30; ++i) {
    content += etr_row("R" + std::to_string(10 + i), "M13 9WL");
  }
  content += etr_row("RC1", "NOT A POSTCODE");
  content += etr_row("RC2", "M13 9WL", "20171301");
  TemporaryFile file("etr.csv", content);

  LoadReport report;
  auto trusts = load_trusts(file.path(), report);
  REQUIRE(trusts.ok());
  REQUIRE(report.problems.size() == 2);
  CHECK(report.problems[0].reason.find("invalid postcode 'NOT A POSTCODE'") != std::string::npos);
  CHECK(report.problems[1].reason.find("invalid open or close date for RC2") != std::string::npos);
}

TEST_CASE("trusts mostly bad file fails", "[provisioning][organisations]") {
  TemporaryFile file("etr.csv", etr_row("RAA", "M13 9WL") + etr_row("x", "M13 9WL") + etr_row("y", "M13 9WL"));
  LoadReport report;
  auto trusts = load_trusts(file.path(), report);
  REQUIRE_FALSE(trusts.ok());
  CHECK(trusts.status().message().find("2 of 3 rows are invalid") != std::string::npos);
  CHECK(report.rows_skipped == 2);
}

TEST_CASE("trusts empty file fails", "[provisioning][organisations]") {
  TemporaryFile file("etr.csv", "");
  LoadReport report;
  auto trusts = load_trusts(file.path(), report);
  REQUIRE_FALSE(trusts.ok());
  CHECK(trusts.status().message() == "etr.csv: no valid rows");
}

TEST_CASE("GP practices header column missing", "[provisioning][organisations]") {
  TemporaryFile file("gp.csv", "PRACTICE_CODE,PRACTICE_NAME\nA81001,X\n");
  LoadReport report;
  auto practices = load_gp_practices(file.path(), report);
  REQUIRE_FALSE(practices.ok());
  CHECK(practices.status().message().find("no PRACTICE_POSTCODE column") != std::string::npos);
}

TEST_CASE("GP practices quoted commas and bad rows", "[provisioning][organisations]") {
  std::string content(kGpHeader);
  for (int i = 0; i < 20; ++i) {
    content += gp_row("A8" + std::to_string(1000 + i), "TS18 1HU");
  }
  content += "GP_PRAC_PAT_LIST,01Jan2022,A99999,NAME,TS18 1HU\n";  // line 22
  TemporaryFile file("gp.csv", content);

  LoadReport report;
  auto practices = load_gp_practices(file.path(), report);
  REQUIRE(practices.ok());
  REQUIRE(practices->size() == 20);
  CHECK(practices->front().name == "A SURGERY, B");
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].line == 22);
  CHECK(report.problems[0].reason.find("5 columns, expected 10") != std::string::npos);
}

TEST_CASE("postal address escaping", "[provisioning][organisations]") {
  CHECK(encode_postal_address({"1 ROAD", "TOWN"}) == "1 ROAD$TOWN");
  CHECK(encode_postal_address({"$5 STREET", "A\\B"}) == "\\245 STREET$A\\5CB");
  CHECK(encode_postal_address({"ONLY"}) == "ONLY");
}

TEST_CASE("organisation entry attributes", "[provisioning][organisations]") {
  Organisation org;
  org.kind = OrganisationKind::kGpPractice;
  org.ods_code = "A81001";
  org.name = "THE DENSHAM SURGERY";
  org.address_lines = {"THE DENSHAM SURGERY"};
  org.locality = "Tees Valley";
  org.postcode = "TS18 1HU";
  org.ccg_code = "16C";
  org.parent_code = "16C";
  directory::Entry entry = organisation_entry(org);

  CHECK(entry.dn == "uniqueIdentifier=A81001,ou=Organisations,o=nhs");
  CHECK(entry.first_value("nhsIDCode") == "A81001");
  CHECK(entry.first_value("nhsOrgTypeCode") == "RO76");
  CHECK(entry.first_value("postalAddress") == "THE DENSHAM SURGERY$TS18 1HU");
  CHECK(entry.first_value("l") == "Tees Valley");
  CHECK(entry.first_value("nhsPCTCode") == "16C");
  CHECK(entry.find("nhsOrgCloseDate") == nullptr);
  CHECK(entry.find("telephoneNumber") == nullptr);
}

}  // namespace
}  // namespace careid::provisioning
