#include "sus/spells/spell_csv.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sus/csv/csv.h"

namespace careid::sus::spells {
namespace {

constexpr std::string_view kHeader =
    "HOSPITAL PROVIDER SPELL NUMBER,ORGANISATION CODE (CODE OF PROVIDER),ORGANISATION CODE (CODE OF COMMISSIONER),"
    "ADMISSION METHOD (HOSPITAL PROVIDER SPELL),PATIENT CLASSIFICATION,START DATE (HOSPITAL PROVIDER SPELL),"
    "DISCHARGE DATE (HOSPITAL PROVIDER SPELL),AGE ON ADMISSION,HEALTHCARE RESOURCE GROUP CODE\n";

struct Ingested {
  std::vector<Spell> spells;
  std::vector<Rejection> rejections;
};

Ingested ingest(std::string_view text) {
  Ingested result;
  auto summary = ingest_spells(
      text,
      [&](const Spell& spell) {
        result.spells.push_back(spell);
        return Status::ok_status();
      },
      [&](const Rejection& rejection) { result.rejections.push_back(rejection); });
  REQUIRE(summary.ok());
  CHECK(summary->accepted == result.spells.size());
  CHECK(summary->rejected == result.rejections.size());
  return result;
}

TEST_CASE("Spell dates parse and format", "[sus][spells]") {
  CHECK(parse_date("1970-01-01") == 0);
  CHECK(parse_date("2016-02-29") == 16860);
  CHECK_FALSE(parse_date("2015-02-29").has_value());
  CHECK_FALSE(parse_date("2015-13-01").has_value());
  CHECK_FALSE(parse_date("01/04/2015").has_value());
  CHECK_FALSE(parse_date("1899-12-31").has_value());
  CHECK(format_date(16860) == "2016-02-29");
}

TEST_CASE("Spell admission method groups", "[sus][spells]") {
  CHECK(admission_group("11") == AdmissionGroup::kElective);
  CHECK(admission_group("13") == AdmissionGroup::kElective);
  CHECK(admission_group("21") == AdmissionGroup::kEmergency);
  CHECK(admission_group("2D") == AdmissionGroup::kEmergency);
  CHECK(admission_group("28") == AdmissionGroup::kEmergency);
  CHECK(admission_group("31") == AdmissionGroup::kMaternity);
  CHECK(admission_group("82") == AdmissionGroup::kOther);
  CHECK_FALSE(admission_group("14").has_value());
  CHECK_FALSE(admission_group("26").has_value());
  CHECK_FALSE(admission_group("1").has_value());
}

TEST_CASE("Spell synthetic file ingests", "[sus][spells]") {
  auto text = csv::read_file(CAREID_SOURCE_DIR "/data/sus/spells-synthetic-2015-16.csv");
  REQUIRE(text.ok());
  auto result = ingest(*text);
  REQUIRE(result.spells.size() == 10);
  const Spell& first = result.spells[0];
  CHECK(first.spell_number == "S0001");
  CHECK(first.provider == "RGR");
  CHECK(first.commissioner == "06T");
  CHECK(first.admission_method == "21");
  CHECK(first.classification == PatientClassification::kOrdinaryAdmission);
  CHECK(first.length_of_stay() == 3);
  CHECK(first.age_on_admission == 70);
  CHECK(first.hrg_code == "DZ11N");

  REQUIRE(result.rejections.size() == 3);
  CHECK(result.rejections[0].line == 12);
  CHECK(result.rejections[0].spell_number == "S0011");
  CHECK(result.rejections[0].reason ==
        "DISCHARGE DATE (HOSPITAL PROVIDER SPELL) 2015-08-03 is before START DATE (HOSPITAL PROVIDER SPELL) 2015-08-05");
  CHECK(result.rejections[1].reason.find("invalid ADMISSION METHOD (HOSPITAL PROVIDER SPELL) '99'") == 0);
  CHECK(result.rejections[2].reason == "duplicate HOSPITAL PROVIDER SPELL NUMBER 'S0001' for provider RGR");
}

TEST_CASE("Spell invalid fields rejected with reasons", "[sus][spells]") {
  const std::pair<std::string, std::string> cases[] = {
      {",RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11N", "missing HOSPITAL PROVIDER SPELL NUMBER"},
      {"S1234567890123,RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11N", "invalid HOSPITAL PROVIDER SPELL NUMBER"},
      {"\"S,1\",RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11N", "invalid HOSPITAL PROVIDER SPELL NUMBER 'S,1'"},
      {"S1,rgr,06T,21,1,2015-06-01,2015-06-02,40,DZ11N", "invalid ORGANISATION CODE (CODE OF PROVIDER) 'rgr'"},
      {"S1,RGR,6T,21,1,2015-06-01,2015-06-02,40,DZ11N", "invalid ORGANISATION CODE (CODE OF COMMISSIONER) '6T'"},
      {"S1,RGR,06T,21,7,2015-06-01,2015-06-02,40,DZ11N", "invalid PATIENT CLASSIFICATION '7'"},
      {"S1,RGR,06T,21,1,2015-06-31,2015-07-02,40,DZ11N", "invalid START DATE (HOSPITAL PROVIDER SPELL) '2015-06-31'"},
      {"S1,RGR,06T,21,1,2015-06-01,20150602,40,DZ11N", "invalid DISCHARGE DATE (HOSPITAL PROVIDER SPELL) '20150602'"},
      {"S1,RGR,06T,21,1,2015-06-01,2015-06-02,131,DZ11N", "invalid AGE ON ADMISSION '131'"},
      {"S1,RGR,06T,21,1,2015-06-01,2015-06-02,4x,DZ11N", "invalid AGE ON ADMISSION '4x'"},
      {"S1,RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11", "invalid HEALTHCARE RESOURCE GROUP CODE 'DZ11'"},
      {"S1,RGR,06T", "row has 3 columns, fewer than the header"},
  };
  for (const auto& [row, reason] : cases) {
    INFO(row);
    auto result = ingest(std::string(kHeader) + row + "\n");
    CHECK(result.spells.empty());
    REQUIRE(result.rejections.size() == 1);
    CHECK(result.rejections[0].line == 2);
    CHECK(result.rejections[0].reason.substr(0, reason.size()) == reason);
  }
}

TEST_CASE("Spell duplicates found in large files", "[sus][spells]") {
  // Rows of the shortest valid length fill the duplicate check as far as it can be filled.
  std::string text(kHeader);
  constexpr int kRows = 20000;
  for (int i = 0; i < kRows; ++i) {
    text += std::to_string(i) + ",RGR,06T,21,1,2015-06-01,2015-06-03,7,DZ11N\n";
  }
  text += "7,RGR,06T,21,1,2015-06-01,2015-06-03,70,DZ11N\n";
  text += "7,RTH,06T,21,1,2015-06-01,2015-06-03,70,DZ11N\n";
  // A field with doubled quotes is unescaped into the cursor's own buffer.
  text += "\"Q\"\"1\",RGR,06T,21,1,2015-06-01,2015-06-03,70,DZ11N\n";
  text += "9,RGR,06T,21,1,2015-06-01,2015-06-03,70,DZ11N\n";
  text += "\"Q\"\"1\",RGR,06T,21,1,2015-06-01,2015-06-03,70,DZ11N\n";

  const Ingested result = ingest(text);
  CHECK(result.spells.size() == kRows + 2);
  REQUIRE(result.rejections.size() == 3);
  CHECK(result.rejections[0].line == kRows + 2);
  CHECK(result.rejections[0].reason == "duplicate HOSPITAL PROVIDER SPELL NUMBER '7' for provider RGR");
  CHECK(result.rejections[1].line == kRows + 5);
  CHECK(result.rejections[2].line == kRows + 6);
  CHECK(result.rejections[2].reason == "duplicate HOSPITAL PROVIDER SPELL NUMBER 'Q\"1' for provider RGR");
}

TEST_CASE("Spell header missing column fails", "[sus][spells]") {
  auto summary = ingest_spells(
      "HOSPITAL PROVIDER SPELL NUMBER\nS1\n", [](const Spell&) { return Status::ok_status(); },
      [](const Rejection&) {});
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.status().message() == "line 1: missing column ORGANISATION CODE (CODE OF PROVIDER)");
}

TEST_CASE("Spell sink error stops ingest", "[sus][spells]") {
  std::string text(kHeader);
  text += "S1,RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11N\nS2,RGR,06T,21,1,2015-06-01,2015-06-02,40,DZ11N\n";
  int calls = 0;
  auto summary = ingest_spells(
      text,
      [&](const Spell&) {
        ++calls;
        return Status::resource_exhausted("full");
      },
      [](const Rejection&) {});
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.status().code() == StatusCode::kResourceExhausted);
  CHECK(calls == 1);
}

}  // namespace
}  // namespace careid::sus::spells
