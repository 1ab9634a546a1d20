#include <catch2/catch.hpp>

#include "audit/record.h"

using namespace careid::audit;

namespace {

Event sample_event() {
  Event event;
  event.type = "ldap.modify";
  event.actor = "cn=admin,o=nhs";
  event.subject = "uid=555000000001,ou=People,o=nhs";
  event.client = "127.0.0.1:50522";
  event.details = {{"attributes", {"mail", "telephoneNumber"}}};
  return event;
}

}  // namespace

TEST_CASE("seal record fields and hash", "[audit]") {
  auto sealed = seal_record(sample_event(), 1, "2026-12-04T10:00:00.123Z", kGenesisHash, "");
  REQUIRE(sealed.ok());
  auto object = nlohmann::json::parse(sealed->line);
  CHECK(sealed->line.back() == '\n');
  CHECK(object["seq"] == 1);
  CHECK(object["event"] == "ldap.modify");
  CHECK(object["actor"] == "cn=admin,o=nhs");
  CHECK(object["prev"] == std::string(kGenesisHash));
  CHECK(object["alg"] == "sha256");
  CHECK(object["hash"] == sealed->hash);
  CHECK(sealed->hash.size() == 64);

  object.erase("hash");
  auto recomputed = chain_hash(canonical_text(object), kAlgSha256, "");
  REQUIRE(recomputed.ok());
  CHECK(*recomputed == sealed->hash);
}

TEST_CASE("seal record hmac depends on key", "[audit]") {
  std::string key(32, 'k');
  auto keyed = seal_record(sample_event(), 1, "2026-12-04T10:00:00.123Z", kGenesisHash, key);
  auto other = seal_record(sample_event(), 1, "2026-12-04T10:00:00.123Z", kGenesisHash, std::string(32, 'j'));
  auto plain = seal_record(sample_event(), 1, "2026-12-04T10:00:00.123Z", kGenesisHash, "");
  REQUIRE(keyed.ok());
  REQUIRE(other.ok());
  REQUIRE(plain.ok());
  CHECK(nlohmann::json::parse(keyed->line)["alg"] == "hmac-sha256");
  CHECK(keyed->hash != other->hash);
  CHECK(keyed->hash != plain->hash);
}

TEST_CASE("seal record replaces invalid utf8", "[audit]") {
  Event event = sample_event();
  event.subject = std::string("uid=\xff\xfe,o=nhs");
  auto sealed = seal_record(event, 1, "2026-12-04T10:00:00.123Z", kGenesisHash, "");
  REQUIRE(sealed.ok());
  auto object = nlohmann::json::parse(sealed->line);
  object.erase("hash");
  CHECK(*chain_hash(canonical_text(object), kAlgSha256, "") == sealed->hash);
}

TEST_CASE("format time rfc3339 milliseconds", "[audit]") {
  auto time = std::chrono::system_clock::from_time_t(1796378400) + std::chrono::milliseconds(7);
  CHECK(format_time(time) == "2026-12-04T10:00:00.007Z");
}

TEST_CASE("parse time accepted forms", "[audit]") {
  auto base = std::chrono::system_clock::from_time_t(1796378400);
  CHECK(*parse_time("2026-12-04T10:00:00Z") == base);
  CHECK(*parse_time("2026-12-04t10:00:00z") == base);
  CHECK(*parse_time("2026-12-04T10:00:00.5Z") == base + std::chrono::milliseconds(500));
  CHECK(*parse_time("2026-12-04T10:00:00.123456Z") == base + std::chrono::milliseconds(123));
  CHECK(*parse_time("2026-12-04T11:00:00+01:00") == base);
  CHECK(*parse_time("2026-12-04T05:30:00-04:30") == base);
  CHECK(*parse_time("2026-12-04") == base - std::chrono::hours(10));
}

TEST_CASE("parse time rejects malformed", "[audit]") {
  for (const char* text : {"", "2026-12-4", "2026-12-04T10:00Z", "2026-12-04T10:00:00", "2026-12-04T10:00:00.Z",
                           "2026-13-04T10:00:00Z", "2026-12-04T25:00:00Z", "2026-12-04T10:00:00+0100",
                           "yesterday", "2999-01-01T00:00:00Z"}) {
    INFO(text);
    auto parsed = parse_time(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find(text) != std::string::npos);
  }
}
