#include "provisioning/job_roles.h"

#include <set>

#include <catch2/catch.hpp>

#include "test_files.h"

namespace careid::provisioning {
namespace {

constexpr std::string_view kHead = "<CodeSystem xmlns=\"http://hl7.org/fhir\"><date value=\"2021-09-10\"/>";

std::string code_system(std::string_view concepts) {
  return std::string(kHead) + std::string(concepts) + "</CodeSystem>";
}

std::string concept_xml(std::string_view code, std::string_view display) {
  return "<concept><code value=\"" + std::string(code) + "\"/><display value=\"" +
         std::string(display) + "\"/></concept>";
}

TEST_CASE("job roles real CodeSystem counts", "[provisioning][job_roles]") {
  auto catalogue = load_job_roles(testing::reference_directory() / "CodeSystem-UKCore-SDSJobRoleName.xml");
  REQUIRE(catalogue.ok());
  CHECK(catalogue->roles.size() == 392);
  CHECK(catalogue->date == "20210910");

  std::set<std::string> codes;
  for (const JobRole& role : catalogue->roles) {
    codes.insert(role.code);
    CHECK_FALSE(role.name.empty());
  }
  CHECK(codes.size() == 392);
}

TEST_CASE("job roles R8000 has known hierarchy", "[provisioning][job_roles]") {
  auto catalogue = load_job_roles(testing::reference_directory() / "CodeSystem-UKCore-SDSJobRoleName.xml");
  REQUIRE(catalogue.ok());
  const JobRole* role = catalogue->find("R8000");
  REQUIRE(role != nullptr);
  CHECK(role->name == "Clinical Practitioner Access Role");
  CHECK(role->hierarchy_known);
  CHECK(role->full_code() == "S8000:G8000:R8000");
  CHECK(role->full_name() == "\"Clinical\":\"Clinical Provision\":\"Clinical Practitioner Access Role\"");

  const JobRole* staff_nurse = catalogue->find("R0620");
  REQUIRE(staff_nurse != nullptr);
  CHECK_FALSE(staff_nurse->hierarchy_known);
  CHECK(staff_nurse->full_code() == "S0000:G0000:R0620");
}

TEST_CASE("job roles entities decoded and closed flagged", "[provisioning][job_roles]") {
  auto catalogue = load_job_roles(testing::reference_directory() / "CodeSystem-UKCore-SDSJobRoleName.xml");
  REQUIRE(catalogue.ok());
  const JobRole* therapist = catalogue->find("R0955");
  REQUIRE(therapist != nullptr);
  CHECK(therapist->name == "Speech & Language Therapist");

  const JobRole* registrar = catalogue->find("R0130");
  REQUIRE(registrar != nullptr);
  CHECK(registrar->closed);
  CHECK_FALSE(catalogue->find("R8000")->closed);
}

TEST_CASE("job roles malformed inputs rejected", "[provisioning][job_roles]") {
  struct Case {
    std::string name;
    std::string xml;
  };
  const Case cases[] = {
      {"not XML", "<CodeSystem"},
      {"wrong root", "<ValueSet xmlns=\"http://hl7.org/fhir\"/>"},
      {"no namespace", "<CodeSystem><date value=\"2021-09-10\"/></CodeSystem>"},
      {"no concepts", code_system("")},
      {"missing date", "<CodeSystem xmlns=\"http://hl7.org/fhir\">" + concept_xml("R1", "x") + "</CodeSystem>"},
      {"bad code", code_system(concept_xml("R12", "Too short"))},
      {"non-digit code", code_system(concept_xml("R80A0", "Letter"))},
      {"empty display", code_system(concept_xml("R8000", ""))},
      {"repeated code", code_system(concept_xml("R8000", "a") + concept_xml("R8000", "b"))},
      {"doctype", "<!DOCTYPE x [<!ENTITY e \"y\">]>" + code_system(concept_xml("R8000", "&e;"))},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto catalogue = parse_job_roles(c.xml, "test.xml");
    REQUIRE_FALSE(catalogue.ok());
    CHECK(catalogue.status().message().find("test.xml") != std::string::npos);
  }
}

TEST_CASE("job roles minimal CodeSystem parses", "[provisioning][job_roles]") {
  auto catalogue = parse_job_roles(code_system(concept_xml("R8008", "Admin/Clinical Support Access Role") +
                                               concept_xml("R1234", "Other")),
                                   "test.xml");
  REQUIRE(catalogue.ok());
  REQUIRE(catalogue->roles.size() == 2);
  CHECK(catalogue->roles[0].full_code() == "S8001:G8002:R8008");
  CHECK(catalogue->roles[1].full_code() == "S0000:G0000:R1234");
}

TEST_CASE("job roles missing file", "[provisioning][job_roles]") {
  auto catalogue = load_job_roles("/nonexistent/careid/roles.xml");
  REQUIRE_FALSE(catalogue.ok());
  CHECK(catalogue.status().code() == StatusCode::kIoError);
}

}  // namespace
}  // namespace careid::provisioning
