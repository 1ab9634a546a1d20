#include "sus/api/api.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "../synthetic_data.h"
#include "sus/extract/extract.h"

namespace careid::sus::api {
namespace {

namespace fs = std::filesystem;

// The synthetic tariff, the real 2015/16 MFF and the synthetic spells (RGR and RTH, for
// commissioners 06T and 00C) in a store of its own.
class Fixture {
 public:
  explicit Fixture(ApiSettings settings = {}) {
    static std::atomic<int> counter{0};
    folder_ = fs::temp_directory_path() /
              ("careid-sus-api-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(folder_);
    auto store = storage::SusStore::open(folder_);
    REQUIRE(store.ok());
    store_ = std::move(*store);
    testing::load_synthetic_data(*store_);
    api = std::make_unique<SusApi>(*store_, std::move(settings));
  }
  ~Fixture() {
    api.reset();
    store_.reset();
    fs::remove_all(folder_);
  }

  ApiReply get(const std::string& path, std::map<std::string, std::string, std::less<>> parameters,
               const Principal& caller) const {
    ApiRequest request{"GET", path, std::move(parameters), "", ""};
    return api->handle(request, caller);
  }

  ApiReply post(const std::string& path, const std::string& content_type, const std::string& body,
                const Principal& caller) const {
    ApiRequest request{"POST", path, {}, content_type, body};
    return api->handle(request, caller);
  }

  std::unique_ptr<SusApi> api;

 private:
  fs::path folder_;
  std::unique_ptr<storage::SusStore> store_;
};

Principal at(std::string org, std::vector<std::string> activities = {"B9600", "B9601"}) {
  return Principal{"555000000001", "555000000003", std::move(org), std::move(activities)};
}

Json body_of(const ApiReply& reply) {
  Json body = Json::parse(reply.body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

std::vector<std::string> spell_numbers(const Json& extract) {
  std::vector<std::string> numbers;
  for (const Json& row : extract.at("spells")) {
    numbers.push_back(row.at("spell").at("provider").get<std::string>() + "/" +
                      row.at("spell").at("spell_number").get<std::string>());
  }
  return numbers;
}

const Principal kProvider = at("RGR");
const Principal kOtherProvider = at("RTH");
const Principal kCommissioner = at("06T");
const Principal kOtherCommissioner = at("00C");
const Principal kNoActivity = at("RGR", {"B0825"});
const Principal kReadOnly = at("RGR", {"B9600"});

constexpr const char* kSpellS0002 =
    R"({"spell_number": "S0002", "provider": "RGR", "commissioner": "06T", "admission_method": "21",
        "patient_classification": 1, "start_date": "2015-06-01", "discharge_date": "2015-06-13",
        "age_on_admission": 80, "hrg_code": "DZ11N"})";

TEST_CASE("tariff lookup returns the HRG prices", "[sus][api]") {
  Fixture fixture;
  ApiReply reply = fixture.get("/sus/v1/tariffs/2015-16/hrgs/DZ11N", {}, kCommissioner);
  REQUIRE(reply.status == 200);
  Json body = body_of(reply);
  CHECK(body["year"] == "2015/16");
  CHECK(body["hrg_code"] == "DZ11N");
  CHECK(body["non_elective"] == "1840.00");
  CHECK(body["non_elective_trim_point_days"] == 9);
  CHECK(body["per_day_long_stay"] == "230.00");
  CHECK(body["reduced_short_stay_emergency"] == "718.00");
  CHECK(body["day_case"].is_null());

  CHECK(fixture.get("/sus/v1/tariffs/2015%2F16/hrgs/DZ11N", {}, kProvider).status == 200);
}

TEST_CASE("tariff lookup errors name the value", "[sus][api]") {
  Fixture fixture;
  ApiReply unknown = fixture.get("/sus/v1/tariffs/2015-16/hrgs/ZZ99Z", {}, kProvider);
  CHECK(unknown.status == 404);
  CHECK(body_of(unknown)["message"].get<std::string>().find("ZZ99Z") != std::string::npos);

  ApiReply bad_hrg = fixture.get("/sus/v1/tariffs/2015-16/hrgs/DZ11", {}, kProvider);
  CHECK(bad_hrg.status == 400);
  CHECK(body_of(bad_hrg)["message"].get<std::string>().find("'DZ11'") != std::string::npos);

  ApiReply bad_year = fixture.get("/sus/v1/tariffs/2015-17/hrgs/DZ11N", {}, kProvider);
  CHECK(bad_year.status == 400);
  CHECK(body_of(bad_year)["message"].get<std::string>().find("'2015-17'") != std::string::npos);

  CHECK(fixture.get("/sus/v1/tariffs/2016-17/hrgs/DZ11N", {}, kProvider).status == 404);
}

TEST_CASE("tariff lookup needs the read activity", "[sus][api]") {
  Fixture fixture;
  ApiReply reply = fixture.get("/sus/v1/tariffs/2015-16/hrgs/DZ11N", {}, kNoActivity);
  CHECK(reply.status == 403);
  CHECK(reply.www_authenticate.find("insufficient_scope") != std::string::npos);
  CHECK(body_of(reply)["message"].get<std::string>().find("sus.read_activities") != std::string::npos);
}

TEST_CASE("price lists every component", "[sus][api]") {
  Fixture fixture;
  ApiReply reply = fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", kSpellS0002, kCommissioner);
  REQUIRE(reply.status == 200);
  Json payment = body_of(reply)["payment"];
  CHECK(payment["priced"] == true);
  CHECK(payment["basis"] == "non-elective");
  CHECK(payment["base_price"] == "1840.00");
  CHECK(payment["excess_days"] == 3);
  CHECK(payment["long_stay_payment"] == "690.00");
  CHECK(payment["market_forces_factor"] == "1.043771894");
  CHECK(payment["total"] == "2640.74");
  REQUIRE(payment["explanation"].size() == 4);
  CHECK(payment["explanation"][0] == "non-elective price for DZ11N: 1840.00");
  CHECK(payment["explanation"][3] == "total: 2640.74");
}

TEST_CASE("price reports an unpriced spell", "[sus][api]") {
  Fixture fixture;
  Json spell = Json::parse(kSpellS0002);
  spell["hrg_code"] = "XX99Z";
  ApiReply reply = fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", spell.dump(), kProvider);
  REQUIRE(reply.status == 200);
  CHECK(body_of(reply)["payment"]["priced"] == false);
  CHECK(body_of(reply)["payment"]["reason"].get<std::string>().find("XX99Z") != std::string::npos);
}

TEST_CASE("price rejects an invalid spell", "[sus][api]") {
  Fixture fixture;
  Json spell = Json::parse(kSpellS0002);
  spell["discharge_date"] = "2015-13-01";
  ApiReply bad_date = fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", spell.dump(), kProvider);
  CHECK(bad_date.status == 400);
  CHECK(body_of(bad_date)["message"].get<std::string>().find("'2015-13-01'") != std::string::npos);

  spell.erase("discharge_date");
  ApiReply missing = fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", spell.dump(), kProvider);
  CHECK(missing.status == 400);
  CHECK(body_of(missing)["message"] == "missing discharge_date");

  CHECK(fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", "{", kProvider).status == 400);
  CHECK(fixture.post("/sus/v1/tariffs/2015-16/price", "text/plain", kSpellS0002, kProvider).status == 400);
  CHECK(fixture.post("/sus/v1/tariffs/2015-16/price", "application/json", kSpellS0002, kNoActivity).status ==
        403);
}

TEST_CASE("batch of JSON spells stores own provider", "[sus][api]") {
  Fixture fixture;
  Json batch = Json::array();
  Json own = Json::parse(kSpellS0002);
  own["spell_number"] = "N0001";
  batch.push_back(own);
  Json other = own;
  other["provider"] = "RTH";
  batch.push_back(other);
  Json invalid = own;
  invalid["spell_number"] = "N0002";
  invalid["age_on_admission"] = 200;
  batch.push_back(invalid);
  batch.push_back("not an object");
  Json unknown = own;
  unknown["spell_number"] = "N0003";
  unknown["ward"] = "7B";
  batch.push_back(unknown);

  ApiReply reply = fixture.post("/sus/v1/spells", "application/json", batch.dump(), kProvider);
  REQUIRE(reply.status == 200);
  Json body = body_of(reply);
  CHECK(body["accepted"] == 1);
  CHECK(body["rejected"] == 4);
  REQUIRE(body["rejections"].size() == 4);
  CHECK(body["rejections"][0]["index"] == 1);
  CHECK(body["rejections"][0]["reason"].get<std::string>().find("provider RTH") != std::string::npos);
  CHECK(body["rejections"][1]["index"] == 2);
  CHECK(body["rejections"][1]["reason"].get<std::string>().find("'200'") != std::string::npos);
  CHECK(body["rejections"][2]["index"] == 3);
  CHECK(body["rejections"][3]["index"] == 4);
  CHECK(body["rejections"][3]["reason"] == "unknown member 'ward'");

  ApiReply stored = fixture.get("/sus/v1/spells/RGR/N0001", {{"year", "2015-16"}}, kProvider);
  CHECK(stored.status == 200);
  CHECK(fixture.get("/sus/v1/spells/RTH/N0001", {{"year", "2015-16"}}, kOtherProvider).status == 404);
}

TEST_CASE("batch of CSV spells lists rejected lines", "[sus][api]") {
  Fixture fixture;
  std::string csv =
      "HOSPITAL PROVIDER SPELL NUMBER,ORGANISATION CODE (CODE OF PROVIDER),ORGANISATION CODE (CODE OF "
      "COMMISSIONER),ADMISSION METHOD (HOSPITAL PROVIDER SPELL),PATIENT CLASSIFICATION,START DATE (HOSPITAL "
      "PROVIDER SPELL),DISCHARGE DATE (HOSPITAL PROVIDER SPELL),AGE ON ADMISSION,HEALTHCARE RESOURCE GROUP CODE\n"
      "C0001,RGR,06T,21,1,2015-06-01,2015-06-04,70,DZ11N\n"
      "C0002,RGR,06T,99,1,2015-06-01,2015-06-04,70,DZ11N\n"
      "C0003,RTH,06T,21,1,2015-06-01,2015-06-04,70,DZ11N\n";
  ApiReply reply = fixture.post("/sus/v1/spells", "text/csv", csv, kProvider);
  REQUIRE(reply.status == 200);
  Json body = body_of(reply);
  CHECK(body["accepted"] == 1);
  REQUIRE(body["rejections"].size() == 2);
  CHECK(body["rejections"][0]["spell_number"] == "C0003");
  CHECK_FALSE(body["rejections"][0].contains("line"));
  CHECK(body["rejections"][1]["line"] == 3);
  CHECK(body["rejections"][1]["reason"].get<std::string>().find("'99'") != std::string::npos);

  ApiReply no_header = fixture.post("/sus/v1/spells", "text/csv", "a,b\n1,2\n", kProvider);
  CHECK(no_header.status == 400);
  CHECK(body_of(no_header)["message"].get<std::string>().find("missing column") != std::string::npos);
}

TEST_CASE("batch limits and rights", "[sus][api]") {
  ApiSettings settings;
  settings.limits.max_batch_spells = 2;
  settings.limits.max_body_bytes = 4096;
  Fixture fixture(settings);
  Json spell = Json::parse(kSpellS0002);
  Json three = Json::array({spell, spell, spell});
  ApiReply too_many = fixture.post("/sus/v1/spells", "application/json", three.dump(), kProvider);
  CHECK(too_many.status == 413);
  CHECK(body_of(too_many)["message"].get<std::string>().find("sus.max_batch_spells (2)") != std::string::npos);

  CHECK(fixture.post("/sus/v1/spells", "text/csv", "h\n1\n2\n3\n", kProvider).status == 413);
  CHECK(fixture.post("/sus/v1/spells", "application/json", std::string(5000, ' '), kProvider).status == 413);
  CHECK(fixture.post("/sus/v1/spells", "application/xml", "[]", kProvider).status == 415);
  CHECK(fixture.post("/sus/v1/spells", "application/json", "{}", kProvider).status == 400);
  CHECK(fixture.post("/sus/v1/spells", "application/json", "[]", kReadOnly).status == 403);
  CHECK(fixture.post("/sus/v1/spells", "application/json", "[]", kNoActivity).status == 403);
}

TEST_CASE("provider extract shows only its spells", "[sus][api]") {
  Fixture fixture;
  ApiReply reply = fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}}, kProvider);
  REQUIRE(reply.status == 200);
  Json body = body_of(reply);
  CHECK(spell_numbers(body) == std::vector<std::string>{"RGR/S0001", "RGR/S0002", "RGR/S0003", "RGR/S0004",
                                                        "RGR/S0005", "RGR/S0006", "RGR/S0007"});
  CHECK(body["summary"]["priced"] == 7);
  CHECK(body["from"] == "2015-04-01");
  CHECK(body["to"] == "2016-03-31");

  CHECK(fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}}, kOtherProvider).status == 403);
  CHECK(fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}}, kCommissioner).status == 403);
  CHECK(fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}}, kNoActivity).status == 403);
}

TEST_CASE("commissioner extract shows only its spells", "[sus][api]") {
  Fixture fixture;
  ApiReply reply = fixture.get("/sus/v1/extracts/commissioners/06T", {{"year", "2015-16"}}, kCommissioner);
  REQUIRE(reply.status == 200);
  Json body = body_of(reply);
  CHECK(spell_numbers(body) == std::vector<std::string>{"RGR/S0001", "RGR/S0002", "RGR/S0003", "RGR/S0004",
                                                        "RTH/S0008", "RTH/S0009", "RTH/S0010"});
  CHECK(body["summary"]["unpriced"] == 2);

  CHECK(fixture.get("/sus/v1/extracts/commissioners/06T", {{"year", "2015-16"}}, kOtherCommissioner).status ==
        403);
  CHECK(fixture.get("/sus/v1/extracts/commissioners/06T", {{"year", "2015-16"}}, kProvider).status == 403);
}

TEST_CASE("ad hoc extract filters", "[sus][api]") {
  Fixture fixture;
  ApiReply by_hrg = fixture.get("/sus/v1/extracts",
                                {{"year", "2015-16"}, {"commissioner", "06T"}, {"hrg", "HN12C"}}, kCommissioner);
  REQUIRE(by_hrg.status == 200);
  CHECK(spell_numbers(body_of(by_hrg)) == std::vector<std::string>{"RTH/S0008"});

  ApiReply by_method = fixture.get(
      "/sus/v1/extracts",
      {{"year", "2015-16"}, {"provider", "RGR"}, {"admission_method", "11"}, {"to", "2015-07-31"}}, kProvider);
  REQUIRE(by_method.status == 200);
  CHECK(spell_numbers(body_of(by_method)) == std::vector<std::string>{"RGR/S0005", "RGR/S0006"});

  ApiReply window = fixture.get(
      "/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"from", "2015-06-13"}, {"to", "2015-06-13"}},
      kProvider);
  CHECK(spell_numbers(body_of(window)) == std::vector<std::string>{"RGR/S0002"});

  // The provider names RTH but the caller is its commissioner for these spells.
  ApiReply both = fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RTH"}, {"commissioner", "06T"}},
                              kCommissioner);
  CHECK(spell_numbers(body_of(both)) == std::vector<std::string>{"RTH/S0008", "RTH/S0009", "RTH/S0010"});
}

TEST_CASE("ad hoc extract rights and errors", "[sus][api]") {
  Fixture fixture;
  CHECK(fixture.get("/sus/v1/extracts", {{"year", "2015-16"}}, kProvider).status == 400);
  CHECK(fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RTH"}}, kProvider).status == 403);
  CHECK(fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"commissioner", "00C"}}, kCommissioner).status ==
        403);

  ApiReply unknown = fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"ward", "7"}},
                                 kProvider);
  CHECK(unknown.status == 400);
  CHECK(body_of(unknown)["message"].get<std::string>().find("'ward'") != std::string::npos);

  ApiReply bad_date = fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"from", "1 May"}},
                                  kProvider);
  CHECK(bad_date.status == 400);
  CHECK(body_of(bad_date)["message"].get<std::string>().find("'1 May'") != std::string::npos);

  ApiReply other_year = fixture.get(
      "/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"from", "2016-04-01"}}, kProvider);
  CHECK(other_year.status == 400);
  CHECK(body_of(other_year)["message"].get<std::string>().find("outside financial year 2015/16") != std::string::npos);
  CHECK(fixture.get("/sus/v1/extracts",
                    {{"year", "2015-16"}, {"provider", "RGR"}, {"from", "2015-06-13"}, {"to", "2015-06-12"}},
                    kProvider)
            .status == 400);
  CHECK(fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"classification", "9"}},
                    kProvider)
            .status == 400);

  CHECK(fixture.get("/sus/v1/extracts", {{"provider", "RGR"}}, kProvider).status == 400);
  CHECK(fixture.get("/sus/v1/extracts", {{"year", "2015-16"}, {"provider", "RGR"}, {"format", "xml"}}, kProvider)
            .status == 400);
  CHECK(fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}, {"provider", "RGR"}}, kProvider)
            .status == 400);
}

TEST_CASE("extract as CSV", "[sus][api]") {
  Fixture fixture;
  ApiReply reply =
      fixture.get("/sus/v1/extracts/providers/RTH", {{"year", "2015-16"}, {"format", "csv"}}, kOtherProvider);
  REQUIRE(reply.status == 200);
  CHECK(reply.content_type == "text/csv; charset=utf-8");
  CHECK(reply.body.starts_with(careid::sus::extract::extract_header()));
  CHECK(std::count(reply.body.begin(), reply.body.end(), '\n') == 4);
  CHECK(reply.body.find("S0009") != std::string::npos);
}

TEST_CASE("extract over the limit is 413", "[sus][api]") {
  ApiSettings settings;
  settings.limits.max_extract_spells = 6;
  Fixture fixture(settings);
  ApiReply reply = fixture.get("/sus/v1/extracts/providers/RGR", {{"year", "2015-16"}}, kProvider);
  CHECK(reply.status == 413);
  CHECK(body_of(reply)["message"].get<std::string>().find("sus.max_extract_spells (6)") != std::string::npos);
  CHECK(fixture.get("/sus/v1/extracts/providers/RTH", {{"year", "2015-16"}}, kOtherProvider).status == 200);
}

TEST_CASE("stored spell for provider and commissioner", "[sus][api]") {
  Fixture fixture;
  ApiReply own = fixture.get("/sus/v1/spells/RGR/S0002", {{"year", "2015-16"}}, kProvider);
  REQUIRE(own.status == 200);
  CHECK(body_of(own)["payment"]["total"] == "2640.74");
  CHECK(fixture.get("/sus/v1/spells/RGR/S0002", {{"year", "2015-16"}}, kCommissioner).status == 200);

  // Another organisation gets 403 whether the spell exists or not.
  CHECK(fixture.get("/sus/v1/spells/RGR/S0002", {{"year", "2015-16"}}, kOtherProvider).status == 403);
  CHECK(fixture.get("/sus/v1/spells/RGR/S0002", {{"year", "2015-16"}}, kOtherCommissioner).status == 403);
  CHECK(fixture.get("/sus/v1/spells/RGR/NOPE", {{"year", "2015-16"}}, kOtherProvider).status == 403);
  CHECK(fixture.get("/sus/v1/spells/RGR/NOPE", {{"year", "2015-16"}}, kProvider).status == 404);
  CHECK(fixture.get("/sus/v1/spells/RGR/S0002", {}, kProvider).status == 400);
}

TEST_CASE("unknown paths and methods", "[sus][api]") {
  Fixture fixture;
  CHECK(fixture.get("/sus/v1/nothing", {}, kProvider).status == 404);
  CHECK(fixture.get("/sus/v1/tariffs/2015-16/hrgs/DZ11N/more", {}, kProvider).status == 404);
  ApiReply wrong = fixture.post("/sus/v1/tariffs/2015-16/hrgs/DZ11N", "application/json", "{}", kProvider);
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "GET");
  CHECK(fixture.get("/sus/v1/spells", {}, kProvider).allow == "POST");
}

}  // namespace
}  // namespace careid::sus::api
